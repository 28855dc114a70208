/* Lists: layout identical to Windows' LIST_ENTRY / SINGLE_LIST_ENTRY and the
 * semantics of the Rtl/ntdef list routines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ntcore/list.h"

typedef struct item {
    int value;
    nt_list_entry link;       /* on the "all" list */
    nt_list_entry other;      /* an element may sit on two lists at once */
    nt_single_list_entry next;
} item;

/* Walks the list forwards and backwards and checks it holds exactly
 * `expect` in order, with every back link consistent. */
static void assert_list(nt_list_entry *head, const int *expect, size_t n)
{
    nt_list_entry *pos;
    size_t i = 0;
    nt_list_for_each(pos, head) {
        assert_true(i < n);
        assert_int_equal(nt_container_of(pos, item, link)->value, expect[i]);
        assert_ptr_equal(pos->Flink->Blink, pos);
        assert_ptr_equal(pos->Blink->Flink, pos);
        i++;
    }
    assert_int_equal(i, n);
    for (pos = head->Blink; pos != head; pos = pos->Blink) {
        assert_true(i > 0);
        i--;
        assert_int_equal(nt_container_of(pos, item, link)->value, expect[i]);
    }
    assert_int_equal(i, 0);
    assert_int_equal(nt_list_is_empty(head), n == 0);
}

static void layout_matches_windows(void **state)
{
    (void)state;
    /* LIST_ENTRY64 / LIST_ENTRY32 as in ntdef.h; native entry = two pointers */
    assert_int_equal(sizeof(nt_list_entry), 2 * sizeof(void *));
    assert_int_equal(offsetof(nt_list_entry, Blink), sizeof(void *));
    assert_int_equal(sizeof(nt_list_entry64), 16);
    assert_int_equal(sizeof(nt_list_entry32), 8);
    assert_int_equal(sizeof(nt_single_list_entry), sizeof(void *));
    /* A foreign-bitness LIST_ENTRY32 parsed from bytes, as in a dump. */
    const uint8_t raw[8] = {0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80};
    nt_list_entry32 e;
    __builtin_memcpy(&e, raw, sizeof e);
    assert_int_equal(e.Flink, 0x40302010u); /* little-endian host */
    assert_int_equal(e.Blink, 0x80706050u);
}

static void initialized_head_points_to_itself(void **state)
{
    (void)state;
    nt_list_entry head;
    nt_list_init(&head);
    assert_ptr_equal(head.Flink, &head);
    assert_ptr_equal(head.Blink, &head);
    assert_true(nt_list_is_empty(&head));
    /* RemoveHeadList on an empty list returns the head itself */
    assert_ptr_equal(nt_list_remove_head(&head), &head);
    assert_true(nt_list_is_empty(&head));
}

static void insert_head_and_tail_order(void **state)
{
    (void)state;
    item it[4] = {{.value = 1}, {.value = 2}, {.value = 3}, {.value = 4}};
    nt_list_entry head;
    nt_list_init(&head);
    nt_list_insert_tail(&head, &it[1].link); /* 2 */
    nt_list_insert_head(&head, &it[0].link); /* 1 2 */
    nt_list_insert_tail(&head, &it[2].link); /* 1 2 3 */
    nt_list_insert_tail(&head, &it[3].link); /* 1 2 3 4 */
    assert_list(&head, (int[]){1, 2, 3, 4}, 4);
}

static void remove_head_tail_entry(void **state)
{
    (void)state;
    item it[4] = {{.value = 1}, {.value = 2}, {.value = 3}, {.value = 4}};
    nt_list_entry head;
    nt_list_init(&head);
    for (int i = 0; i < 4; i++)
        nt_list_insert_tail(&head, &it[i].link);
    assert_ptr_equal(nt_list_remove_head(&head), &it[0].link);
    assert_list(&head, (int[]){2, 3, 4}, 3);
    assert_ptr_equal(nt_list_remove_tail(&head), &it[3].link);
    assert_list(&head, (int[]){2, 3}, 2);
    /* RemoveEntryList returns TRUE only when the list became empty */
    assert_false(nt_list_remove(&it[1].link));
    assert_list(&head, (int[]){3}, 1);
    assert_true(nt_list_remove(&it[2].link));
    assert_list(&head, NULL, 0);
}

static void append_tail_list_splices_headless_ring(void **state)
{
    (void)state;
    item it[5] = {{.value = 1}, {.value = 2}, {.value = 3}, {.value = 4}, {.value = 5}};
    nt_list_entry head;
    nt_list_init(&head);
    nt_list_insert_tail(&head, &it[0].link);
    nt_list_insert_tail(&head, &it[1].link);
    /* a ring of 3,4,5 with no separate head: 3 acts as the list start */
    nt_list_init(&it[2].link);
    nt_list_insert_tail(&it[2].link, &it[3].link);
    nt_list_insert_tail(&it[2].link, &it[4].link);
    nt_list_append_tail(&head, &it[2].link);
    assert_list(&head, (int[]){1, 2, 3, 4, 5}, 5);
}

static void for_each_safe_allows_removal(void **state)
{
    (void)state;
    item it[6];
    nt_list_entry head, *pos, *tmp;
    nt_list_init(&head);
    for (int i = 0; i < 6; i++) {
        it[i].value = i;
        nt_list_insert_tail(&head, &it[i].link);
    }
    nt_list_for_each_safe(pos, tmp, &head) {
        if (nt_container_of(pos, item, link)->value % 2)
            nt_list_remove(pos);
    }
    assert_list(&head, (int[]){0, 2, 4}, 3);
    item *e;
    int sum = 0;
    nt_list_for_each_entry(e, &head, item, link) sum += e->value;
    assert_int_equal(sum, 6);
}

static void element_on_two_lists(void **state)
{
    (void)state;
    item a = {.value = 7}, b = {.value = 8};
    nt_list_entry all, other;
    nt_list_init(&all);
    nt_list_init(&other);
    nt_list_insert_tail(&all, &a.link);
    nt_list_insert_tail(&all, &b.link);
    nt_list_insert_tail(&other, &b.other);
    assert_ptr_equal(nt_container_of(other.Flink, item, other), &b);
    assert_ptr_equal(nt_container_of(all.Flink, item, link), &a);
    nt_list_remove(&b.link);
    assert_list(&all, (int[]){7}, 1);
    assert_ptr_equal(nt_container_of(other.Flink, item, other), &b);
}

static void single_list_is_a_stack(void **state)
{
    (void)state;
    item it[3] = {{.value = 1}, {.value = 2}, {.value = 3}};
    nt_single_list_entry head = {0};
    assert_null(nt_single_list_pop(&head));
    for (int i = 0; i < 3; i++)
        nt_single_list_push(&head, &it[i].next);
    for (int i = 2; i >= 0; i--) {
        nt_single_list_entry *e = nt_single_list_pop(&head);
        assert_non_null(e);
        assert_int_equal(nt_container_of(e, item, next)->value, it[i].value);
    }
    assert_null(nt_single_list_pop(&head));
    assert_null(head.Next);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(layout_matches_windows),
        cmocka_unit_test(initialized_head_points_to_itself),
        cmocka_unit_test(insert_head_and_tail_order),
        cmocka_unit_test(remove_head_tail_entry),
        cmocka_unit_test(append_tail_list_splices_headless_ring),
        cmocka_unit_test(for_each_safe_allows_removal),
        cmocka_unit_test(element_on_two_lists),
        cmocka_unit_test(single_list_is_a_stack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
