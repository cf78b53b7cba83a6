#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

struct user {
    int id;
    char name[32];
    char email[64];
};

static const char *const reserved_names[] = {"admin", "root", "support", "api", "www"};

int user_set_name(struct user *u, const char *name)
{
    if (u == NULL || name == NULL) {
        return -1;
    }
    strcpy(u->name, name);
    for (char *p = u->name; *p != '\0'; p++) {
        *p = (char)tolower((unsigned char)*p);
    }
    return 0;
}

int user_set_email(struct user *u, const char *email)
{
    if (u == NULL || email == NULL || strchr(email, '@') == NULL) {
        return -1;
    }
    int written = snprintf(u->email, sizeof(u->email), "%s", email);
    if (written < 0 || (size_t)written >= sizeof(u->email)) {
        u->email[0] = '\0';
        return -1;
    }
    return 0;
}

void log_login_failure(const char *username, const char *reason)
{
    char message[256];
    snprintf(message, sizeof(message), "login failed for %s: %s", username, reason);
    syslog(LOG_WARNING, message);
}

void log_request(const char *method, const char *path, int status)
{
    if (status >= 500) {
        syslog(LOG_ERR, "%s %s -> %d", method, path, status);
    } else {
        syslog(LOG_INFO, "%s %s -> %d", method, path, status);
    }
}

char *join_path(const char *dir, const char *name)
{
    size_t dir_len = strlen(dir);
    size_t name_len = strlen(name);
    char *path = malloc(dir_len + name_len + 1);
    if (path == NULL) {
        return NULL;
    }
    memcpy(path, dir, dir_len);
    path[dir_len] = '/';
    memcpy(path + dir_len + 1, name, name_len + 1);
    return path;
}

char *copy_trimmed(const char *s)
{
    while (isspace((unsigned char)*s)) {
        s++;
    }
    size_t len = strlen(s);
    while (len > 0 && isspace((unsigned char)s[len - 1])) {
        len--;
    }
    char *out = malloc(len + 1);
    if (out == NULL) {
        return NULL;
    }
    memcpy(out, s, len);
    out[len] = '\0';
    return out;
}

void slugify(char *title)
{
    size_t out = 0;
    for (size_t i = 0; i < strlen(title); i++) {
        unsigned char c = (unsigned char)title[i];
        if (isalnum(c)) {
            title[out++] = (char)tolower(c);
        } else if (out > 0 && title[out - 1] != '-') {
            title[out++] = '-';
        }
    }
    if (out > 0 && title[out - 1] == '-') {
        out--;
    }
    title[out] = '\0';
}

int username_allowed(const char *name)
{
    size_t len = strlen(name);
    if (len < 3 || len >= sizeof(((struct user *)0)->name)) {
        return 0;
    }
    for (size_t i = 0; i < sizeof(reserved_names) / sizeof(reserved_names[0]); i++) {
        if (strcasecmp(name, reserved_names[i]) == 0) {
            return 0;
        }
    }
    return 1;
}

int read_field(FILE *in, char *field, size_t size)
{
    if (size == 0 || fgets(field, (int)size, in) == NULL) {
        return -1;
    }
    size_t len = strcspn(field, "\r\n");
    if (field[len] == '\0' && len + 1 == size && !feof(in)) {
        return -1;
    }
    field[len] = '\0';
    return (int)len;
}
