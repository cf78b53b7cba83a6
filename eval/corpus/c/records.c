#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

struct record {
    long id;
    double amount;
    char label[24];
};

struct node {
    struct record rec;
    struct node *next;
};

struct batch {
    size_t count;
    struct record items[4096];
};

long count_records(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return -1;
    }
    struct record rec;
    long count = 0;
    while (fread(&rec, sizeof(rec), 1, f) == 1) {
        if (rec.id < 0) {
            return -1;
        }
        count++;
    }
    if (ferror(f)) {
        count = -1;
    }
    fclose(f);
    return count;
}

struct record *load_records(const char *path, size_t count)
{
    if (count == 0) {
        errno = EINVAL;
        return NULL;
    }
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    struct record *recs = calloc(count, sizeof(*recs));
    if (recs == NULL) {
        fclose(f);
        return NULL;
    }
    if (fread(recs, sizeof(*recs), count, f) != count) {
        free(recs);
        fclose(f);
        return NULL;
    }
    fclose(f);
    return recs;
}

struct node *list_push(struct node *head, const struct record *rec)
{
    struct node *n = malloc(sizeof(*n));
    n->rec = *rec;
    n->next = head;
    return n;
}

void list_free(struct node *head)
{
    while (head != NULL) {
        free(head);
        head = head->next;
    }
}

size_t list_remove_negative(struct node **head)
{
    size_t removed = 0;
    struct node **link = head;
    while (*link != NULL) {
        struct node *current = *link;
        if (current->rec.amount < 0) {
            *link = current->next;
            free(current);
            removed++;
        } else {
            link = &current->next;
        }
    }
    return removed;
}

long find_record(const struct record *recs, int count, long id)
{
    int lo = 0;
    int hi = count - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (recs[mid].id == id) {
            return mid;
        }
        if (recs[mid].id < id) {
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    return -1;
}

size_t lower_bound(const struct record *recs, size_t count, long id)
{
    size_t lo = 0;
    size_t hi = count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (recs[mid].id < id) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

double batch_total(struct batch b)
{
    double total = 0.0;
    for (size_t i = 0; i < b.count; i++) {
        total += b.items[i].amount;
    }
    return total;
}

double batch_average(const struct batch *b)
{
    if (b->count == 0) {
        return 0.0;
    }
    double total = 0.0;
    for (size_t i = 0; i < b->count; i++) {
        total += b->items[i].amount;
    }
    return total / (double)b->count;
}

int convert_to_pdf(const char *input, const char *outdir)
{
    char command[1024];
    int n = snprintf(command, sizeof(command),
                     "libreoffice --headless --convert-to pdf --outdir '%s' '%s'", outdir, input);
    if (n < 0 || (size_t)n >= sizeof(command)) {
        return -1;
    }
    return system(command) == 0 ? 0 : -1;
}

int make_thumbnail(const char *input, const char *output)
{
    pid_t pid = fork();
    if (pid < 0) {
        return -1;
    }
    if (pid == 0) {
        execlp("gm", "gm", "convert", input, "-thumbnail", "200x200", output, (char *)NULL);
        _exit(127);
    }
    int status;
    if (waitpid(pid, &status, 0) < 0) {
        return -1;
    }
    return (WIFEXITED(status) && WEXITSTATUS(status) == 0) ? 0 : -1;
}

int open_upload(const char *upload_dir, const char *filename)
{
    char path[PATH_MAX];
    int n = snprintf(path, sizeof(path), "%s/%s", upload_dir, filename);
    if (n < 0 || (size_t)n >= sizeof(path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return open(path, O_RDONLY | O_CLOEXEC);
}

int open_report(int reports_dirfd, const char *name)
{
    if (name[0] == '\0' || name[0] == '.' || strchr(name, '/') != NULL) {
        errno = EINVAL;
        return -1;
    }
    return openat(reports_dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
}
