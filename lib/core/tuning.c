/* The per-device tuning table (see tuning.h; the keys: tunables.c). Tables live in the process
   once loaded, one per device identity, behind one lock: a lookup is a
   short scan, cheap enough for every kernel launch. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "env_parse.h"
#include "tuning.h"

#include "program.h"
#include "scheduler.h"

#define MAX_DEVICES 8

typedef struct {
    char device[600]; /* "vendor | type | name": the table's identity */
    char file[4200];  /* "" when there is no cache folder              */
    int n;
    char keys[ADS_TUNE_MAX_KEYS][ADS_TUNE_KEY_LEN];
    int values[ADS_TUNE_MAX_KEYS];
} table;

static table tables[MAX_DEVICES];
static int ntables;
static pthread_mutex_t tables_lock = PTHREAD_MUTEX_INITIALIZER;

ads_device_class ads_device_class_of(cl_device_type type, int float_width)
{
    if (type & CL_DEVICE_TYPE_GPU) return ADS_CLASS_GPU;
    return float_width > 0 && float_width <= 8 ? ADS_CLASS_CPU8 : ADS_CLASS_CPU;
}

static void device_id(const ads_tune_device *d, char *buf, size_t n)
{
    snprintf(buf, n, "%s | %s | %s", d->vendor, d->type & CL_DEVICE_TYPE_GPU ? "GPU" : "non-GPU",
             d->name);
}

static ads_tune_device describe(const ads_device *d)
{
    return (ads_tune_device){d->info.vendor, d->info.device, d->type, (int)d->float_width};
}

/* The calling thread's device of the context. */
static ads_tune_device context_device(const ads_context *ctx)
{
    int i = ads_current_device();
    return describe(&ctx->dev[i < ctx->ndev ? i : 0]);
}

static int find_key(const table *t, const char *key)
{
    for (int i = 0; i < t->n; i++)
        if (strcmp(t->keys[i], key) == 0) return i;
    return -1;
}

static void put(table *t, const char *key, int value)
{
    int i = find_key(t, key);
    if (i < 0) {
        if (t->n == ADS_TUNE_MAX_KEYS || strlen(key) >= ADS_TUNE_KEY_LEN) return;
        i = t->n++;
        snprintf(t->keys[i], ADS_TUNE_KEY_LEN, "%s", key);
    }
    t->values[i] = value;
}

/* Reads "key value" lines after a "# device: ..." line that must name
   this device (a file renamed onto another device's hash is ignored). */
static void load(table *t)
{
    FILE *f = t->file[0] ? fopen(t->file, "r") : NULL;
    if (!f) return;
    char line[700], want[700];
    snprintf(want, sizeof want, "# device: %s\n", t->device);
    if (fgets(line, sizeof line, f) && strcmp(line, want) == 0) {
        char key[ADS_TUNE_KEY_LEN + 1];
        int value;
        while (fgets(line, sizeof line, f))
            if (line[0] != '#' && sscanf(line, "%48s %d", key, &value) == 2) put(t, key, value);
    }
    fclose(f);
}

/* The device's table, loaded on first use; called with the lock held. */
static table *device_table(const ads_env *env, const ads_tune_device *dev)
{
    char id[600];
    device_id(dev, id, sizeof id);
    for (int i = 0; i < ntables; i++)
        if (strcmp(tables[i].device, id) == 0) return &tables[i];
    if (ntables == MAX_DEVICES) return NULL;
    table *t = &tables[ntables++];
    memset(t, 0, sizeof *t);
    snprintf(t->device, sizeof t->device, "%s", id);
    char dir[ADS_CACHE_DIR_MAX + 1];
    /* Never a path cut to fit: too long a one means no tuning file. */
    if (ads_env_cache_folder(env, "/tuning", dir, sizeof dir, NULL, 0))
        snprintf(t->file, sizeof t->file, "%s/%016llx.txt", dir,
                 (unsigned long long)ads_hash64(id, strlen(id), 0x7e4e));
    load(t);
    return t;
}

static table *context_table(const ads_context *ctx)
{
    ads_tune_device dev = context_device(ctx);
    return device_table(&ctx->env, &dev);
}

/* ADS_TUNE_SET's value for key, if it names it. */
static bool env_override(const ads_env *env, const char *key, int *value)
{
    const char *s = ads_env_get(env, ADS_ENV_TUNE_SET);
    size_t kl = strlen(key);
    while (s && *s) {
        if (strncmp(s, key, kl) == 0 && s[kl] == '=') {
            char *end;
            long v = strtol(s + kl + 1, &end, 10);
            if (end != s + kl + 1 && (*end == ',' || *end == '\0')) {
                *value = (int)v;
                return true;
            }
        }
        s = strchr(s, ',');
        if (s) s++;
    }
    return false;
}

static int lookup(const ads_env *env, const ads_tune_device *dev, const char *key, int fallback,
                  int lo, int hi)
{
    int v;
    if (env_override(env, key, &v)) return v >= lo && v <= hi ? v : fallback;
    const char *mode = ads_env_get(env, ADS_ENV_TUNE);
    if (mode && strcmp(mode, "off") == 0) return fallback;
    pthread_mutex_lock(&tables_lock);
    table *t = device_table(env, dev);
    int i = t ? find_key(t, key) : -1;
    v = i >= 0 ? t->values[i] : fallback;
    pthread_mutex_unlock(&tables_lock);
    return v >= lo && v <= hi ? v : fallback;
}

int ads_tune_for(const ads_env *env, const ads_tune_device *dev, const char *key)
{
    const ads_tunable *k = ads_tunable_find(key);
    if (!k || !dev) return 0;
    return lookup(env, dev, key, k->def[ads_device_class_of(dev->type, dev->float_width)], k->lo,
                  k->hi);
}

ads_device_class ads_tune_class(const ads_context *ctx)
{
    ads_tune_device dev = context_device(ctx);
    return ads_device_class_of(dev.type, dev.float_width);
}

int ads_tune(const ads_context *ctx, const char *key)
{
    if (!ctx) return 0;
    ads_tune_device dev = context_device(ctx);
    return ads_tune_for(&ctx->env, &dev, key);
}

int ads_tune_on(const ads_context *ctx, const ads_device *dev, const char *key)
{
    if (!ctx || !dev) return 0;
    ads_tune_device d = describe(dev);
    return ads_tune_for(&ctx->env, &d, key);
}

int ads_tune_int(const ads_context *ctx, const char *key, int fallback, int lo, int hi)
{
    if (!ctx) return fallback;
    ads_tune_device dev = context_device(ctx);
    return lookup(&ctx->env, &dev, key, fallback, lo, hi);
}

ads_status ads_tune_set(const ads_context *ctx, const char *key, int value)
{
    if (!ctx) return ads_fail(ADS_ERR_NULL_ARGUMENT, "ctx is NULL");
    if (!key || !*key || strlen(key) >= ADS_TUNE_KEY_LEN || strpbrk(key, " \t\n=,"))
        return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                        "tuning key '%s' must be 1 to %d characters without blanks, '=' or ','",
                        key ? key : "(null)", ADS_TUNE_KEY_LEN - 1);
    pthread_mutex_lock(&tables_lock);
    table *t = context_table(ctx);
    bool full = !t || (find_key(t, key) < 0 && t->n == ADS_TUNE_MAX_KEYS);
    if (!full) put(t, key, value);
    pthread_mutex_unlock(&tables_lock);
    if (full)
        return ads_fail(ADS_ERR_TOO_LARGE, "the tuning table is full (%d keys, %d devices)",
                        ADS_TUNE_MAX_KEYS, MAX_DEVICES);
    return ADS_OK;
}

void ads_tune_unset(const ads_context *ctx, const char *key)
{
    if (!ctx || !key) return;
    pthread_mutex_lock(&tables_lock);
    table *t = context_table(ctx);
    int i = t ? find_key(t, key) : -1;
    if (i >= 0) {
        t->n--;
        memmove(t->keys[i], t->keys[i + 1], sizeof t->keys[0] * (size_t)(t->n - i));
        memmove(&t->values[i], &t->values[i + 1], sizeof t->values[0] * (size_t)(t->n - i));
    }
    pthread_mutex_unlock(&tables_lock);
}

const char *ads_tune_file(const ads_context *ctx)
{
    static char path[4200];
    if (!ctx) return NULL;
    pthread_mutex_lock(&tables_lock);
    table *t = context_table(ctx);
    snprintf(path, sizeof path, "%s", t ? t->file : "");
    pthread_mutex_unlock(&tables_lock);
    return path[0] ? path : NULL;
}

static bool make_dirs(const char *file)
{
    char buf[4200];
    snprintf(buf, sizeof buf, "%s", file);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST) return false;
        *p = '/';
    }
    return true;
}

/* Written to a temporary name and renamed: readers see all or nothing. */
static ads_status write_table(const table *t)
{
    char tmp[4300];
    snprintf(tmp, sizeof tmp, "%s.tmp", t->file);
    FILE *f = make_dirs(t->file) ? fopen(tmp, "w") : NULL;
    if (!f) return ads_fail(ADS_ERR_IO, "cannot write the tuning table %s", t->file);
    fprintf(f, "# device: %s\n# written by adastride tune; key value\n", t->device);
    for (int i = 0; i < t->n; i++) fprintf(f, "%s %d\n", t->keys[i], t->values[i]);
    bool ok = fclose(f) == 0 && rename(tmp, t->file) == 0;
    if (!ok) remove(tmp);
    return ok ? ADS_OK : ads_fail(ADS_ERR_IO, "cannot write the tuning table %s", t->file);
}

ads_status ads_tune_save(const ads_context *ctx, const char **path)
{
    if (!ctx) return ads_fail(ADS_ERR_NULL_ARGUMENT, "ctx is NULL");
    pthread_mutex_lock(&tables_lock);
    table *t = context_table(ctx);
    table copy;
    bool have = t && t->file[0];
    if (have) copy = *t;
    pthread_mutex_unlock(&tables_lock);
    if (!have)
        return ads_fail(ADS_ERR_INVALID_ARGUMENT,
                        "no cache folder for the tuning table: set ADS_CACHE_DIR (not 'off'), "
                        "XDG_CACHE_HOME or HOME before creating the context");
    if (path) *path = ads_tune_file(ctx);
    return write_table(&copy);
}
