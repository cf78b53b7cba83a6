#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

struct stats {
    pthread_mutex_t lock;
    long served;
    long failed;
};

struct server {
    int listen_fd;
    struct stats stats;
};

int handle_client(int fd);

void make_reset_token(char *out, size_t out_size)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    if (out_size == 0) {
        return;
    }
    srand((unsigned)time(NULL));
    for (size_t i = 0; i + 1 < out_size; i++) {
        out[i] = alphabet[rand() % (sizeof(alphabet) - 1)];
    }
    out[out_size - 1] = '\0';
}

int make_session_key(unsigned char *key, size_t len)
{
    size_t filled = 0;
    while (filled < len) {
        ssize_t n = getrandom(key + filled, len - filled, 0);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        filled += (size_t)n;
    }
    return 0;
}

int verify_signed_cookie(const char *value, const unsigned char *key, int key_len)
{
    const char *dot = strrchr(value, '.');
    if (dot == NULL || strlen(dot + 1) != 64) {
        return 0;
    }
    unsigned char mac[32];
    unsigned int mac_len = sizeof(mac);
    if (HMAC(EVP_sha256(), key, key_len, (const unsigned char *)value, (size_t)(dot - value), mac,
             &mac_len) == NULL) {
        return 0;
    }
    char hex[65];
    for (unsigned int i = 0; i < mac_len; i++) {
        snprintf(hex + 2 * i, 3, "%02x", mac[i]);
    }
    return memcmp(hex, dot + 1, 64) == 0;
}

int tokens_equal(const unsigned char *a, const unsigned char *b, size_t len)
{
    unsigned char diff = 0;
    for (size_t i = 0; i < len; i++) {
        diff |= (unsigned char)(a[i] ^ b[i]);
    }
    return diff == 0;
}

PGconn *connect_reporting_db(const char *host)
{
    char conninfo[512];
    snprintf(conninfo, sizeof(conninfo),
             "host=%s port=5432 dbname=reporting user=report_rw password=Rep0rt1ng-2023 sslmode=require",
             host);
    PGconn *conn = PQconnectdb(conninfo);
    if (PQstatus(conn) != CONNECTION_OK) {
        fprintf(stderr, "reporting db: %s", PQerrorMessage(conn));
        PQfinish(conn);
        return NULL;
    }
    return conn;
}

PGconn *connect_orders_db(void)
{
    const char *conninfo = getenv("ORDERS_DATABASE_URL");
    if (conninfo == NULL || conninfo[0] == '\0') {
        fprintf(stderr, "ORDERS_DATABASE_URL is not set\n");
        return NULL;
    }
    PGconn *conn = PQconnectdb(conninfo);
    if (PQstatus(conn) != CONNECTION_OK) {
        fprintf(stderr, "orders db: %s", PQerrorMessage(conn));
        PQfinish(conn);
        return NULL;
    }
    return conn;
}

int mark_shipped(PGconn *conn, const char *order_ref)
{
    char sql[256];
    snprintf(sql, sizeof(sql), "UPDATE orders SET status = 'shipped' WHERE ref = '%s'", order_ref);
    PGresult *res = PQexec(conn, sql);
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok) {
        fprintf(stderr, "mark shipped %s: %s", order_ref, PQerrorMessage(conn));
    }
    PQclear(res);
    return ok ? 0 : -1;
}

int cancel_order(PGconn *conn, const char *order_ref)
{
    const char *params[1] = {order_ref};
    PGresult *res = PQexecParams(conn, "UPDATE orders SET status = 'cancelled' WHERE ref = $1",
                                 1, NULL, params, NULL, NULL, 0);
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok) {
        fprintf(stderr, "cancel %s: %s", order_ref, PQerrorMessage(conn));
    }
    PQclear(res);
    return ok ? 0 : -1;
}

void *serve_connections(void *arg)
{
    struct server *srv = arg;
    for (;;) {
        int fd = accept(srv->listen_fd, NULL, NULL);
        if (fd < 0) {
            if (errno == EINTR) {
                continue;
            }
            break;
        }
        int ok = handle_client(fd) == 0;
        close(fd);
        if (ok) {
            srv->stats.served++;
        } else {
            srv->stats.failed++;
        }
    }
    return NULL;
}

void stats_snapshot(struct server *srv, long *served, long *failed)
{
    pthread_mutex_lock(&srv->stats.lock);
    *served = srv->stats.served;
    *failed = srv->stats.failed;
    pthread_mutex_unlock(&srv->stats.lock);
}
