/* Every hive in the shared test data (real Windows files): open + full walk
 * must never crash; logs and fragments are refused at open; and for hives
 * hivexml reads, the key/value counts equal hivexml's (the counts recorded
 * in shared/notes/registry-format-and-peers.md, section 5). Skipped when
 * the shared data is absent. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "hive_builder.h"
#include "nthive.h"
#include "test_support.h"

static const struct {
    const char *path;
    size_t keys, values;
} hivexml_counts[] = {
    {"hivex/minimal", 1, 0},
    {"hivex/special", 4, 3},
    {"nt-hive/testhive", 528, 12},
    {"plaso/regf/100_sub_keys.hiv", 101, 100},
    {"plaso/regf/SAM", 76, 84},
    {"plaso/regf/UsrClass.dat.xz", 7505, 19987},
    {"python-registry/UNICODE_TESTS", 3, 22},
    {"regipy/BCD", 132, 103},
    {"regipy/SYSTEM.xz", 30756, 73456},
    {"regipy/SYSTEM_B.xz", 33123, 74957},
    {"regipy/amcache.hve.xz", 2105, 17539},
    {"yarp/BigDataHive", 2, 2},
    {"yarp/ManySubkeysHive", 5003, 0},
    {"yarp/DuplicateSubkeysHive", 5003, 0},
    {"yarp/TwoOwnersHive", 3, 0},
    {"yarp/WrongOrderHive", 11, 0},
    {"yarp/PairHive", 4, 0},
    {"yarp/UpcaseHive", 4, 0},
};

static size_t checked, refused, lookups;

/* Every key of a clean hive is found from its parent by its own name, and
 * by the name with a-z upcased (plain ASCII folding, done here). */
static void check_lookups(nthive *h, const char *rel)
{
    test_allocator ta;
    nthive_walk w;
    nthive_key root, k, parent, found;
    uint32_t depth;
    char name[1024];
    size_t len;
    int r;
    test_allocator_init(&ta);
    assert_int_equal(nthive_root(h, &root), NT_OK);
    assert_int_equal(nthive_walk_init(&w, &root, 0, &ta.iface), NT_OK);
    while ((r = nthive_walk_next(&w, &k, &depth)) != NT_END) {
        nthive_name n, fn;
        assert_int_equal(r, NT_OK);
        if (depth == 0)
            continue;
        nthive_key_name(&k, &n);
        if (nthive_name_to_utf8(&n, name, sizeof name, &len) != NT_OK)
            continue;
        assert_int_equal(nthive_key_at(h, nthive_key_parent_offset(&k), &parent), NT_OK);
        for (int pass = 0; pass < 2; pass++) {
            if (pass == 1)
                for (size_t i = 0; i < len; i++)
                    if (name[i] >= 'a' && name[i] <= 'z')
                        name[i] = (char)(name[i] - 32);
            if (nthive_key_subkey(&parent, name, len, &found) != NT_OK)
                fail_msg("%s: key '%s' not found from its parent", rel, name);
            nthive_key_name(&found, &fn);
            assert_int_equal(nthive_name_cmp(&n, &fn), 0);
            lookups++;
        }
    }
    nthive_walk_free(&w);
    assert_int_equal(ta.live_blocks, 0);
    test_allocator_destroy(&ta);
}

static void check_file(const char *root, const char *path)
{
    const char *rel = path + strlen(root) + 1;
    size_t size, keys, values, errors;
    uint8_t *data;
    nthive h;
    int r;

    if (strstr(rel, "SOURCES.md"))
        return;
    data = test_read_file(path, &size);
    assert_non_null(data);
    r = nthive_open(&h, data, size);
    if (strstr(rel, ".LOG") || strstr(rel, ".log") || strstr(rel, "Fragment") ||
        strstr(rel, "TruncatedHiveBin") || strstr(rel, "OldLogWith")) {
        /* logs, empty files and bare bins are not primary hives */
        if (r == NT_OK)
            fail_msg("%s: opened as a primary hive", rel);
        refused++;
        free(data);
        return;
    }
    if (r != NT_OK) {
        /* only the 1.1 base block of BadBaseBlockHive may be refused */
        assert_non_null(strstr(rel, "BadBaseBlockHive"));
        assert_int_equal(r, NT_ERR_UNSUPPORTED);
        refused++;
        free(data);
        return;
    }
    keys = hb_walk_everything(&h, &values, &errors);
    for (size_t i = 0; i < sizeof hivexml_counts / sizeof hivexml_counts[0]; i++) {
        if (strcmp(rel, hivexml_counts[i].path) == 0) {
            if (keys != hivexml_counts[i].keys || values != hivexml_counts[i].values || errors)
                fail_msg("%s: %zu keys %zu values %zu errors; hivexml: %zu keys %zu values", rel, keys,
                         values, errors, hivexml_counts[i].keys, hivexml_counts[i].values);
            if (keys < 10000)
                check_lookups(&h, rel);
            checked++;
        }
    }
    free(data);
}

/* An explicit stack of directories: no recursion. */
static void walk_dir(const char *root)
{
    char *stack[256];
    size_t n = 0;
    stack[n++] = strdup(root);
    while (n > 0) {
        char *dir = stack[--n];
        struct dirent **ents;
        int cnt = scandir(dir, &ents, NULL, alphasort);
        for (int i = 0; i < cnt; i++) {
            char path[4096];
            struct stat st;
            if (ents[i]->d_name[0] != '.') {
                snprintf(path, sizeof path, "%s/%s", dir, ents[i]->d_name);
                if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
                    if (n < 256)
                        stack[n++] = strdup(path);
                } else if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
                    check_file(root, path);
                }
            }
            free(ents[i]);
        }
        free(ents);
        free(dir);
    }
}

static void test_every_shared_hive(void **state)
{
    const char *dir = test_shared_dir();
    char root[4096];
    (void)state;
    if (!dir)
        skip();
    snprintf(root, sizeof root, "%s/hives", dir);
    walk_dir(root);
    assert_int_equal(checked, sizeof hivexml_counts / sizeof hivexml_counts[0]);
    assert_true(refused >= 10);
    assert_true(lookups > 10000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_shared_hive),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
