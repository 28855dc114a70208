/* Debug link validation: a corrupted neighbour is caught before the list is
 * modified (as Windows' fast-fail list checks do). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

static int corruptions;
#undef NT_DEBUG
#define NT_DEBUG 1
#define nt_list_corrupted(e) (corruptions++)
#include "ntcore/list.h"

static void broken_back_link_is_reported(void **state)
{
    (void)state;
    nt_list_entry head, a, b, stray;
    nt_list_init(&head);
    nt_list_insert_tail(&head, &a);
    nt_list_insert_tail(&head, &b);
    assert_int_equal(corruptions, 0);
    a.Flink->Blink = &stray; /* b's back link no longer points at a */
    nt_list_remove(&a);
    assert_int_equal(corruptions, 1);
}

static void healthy_operations_report_nothing(void **state)
{
    (void)state;
    nt_list_entry head, e[8];
    corruptions = 0;
    nt_list_init(&head);
    for (int i = 0; i < 8; i++)
        (i % 2 ? nt_list_insert_head : nt_list_insert_tail)(&head, &e[i]);
    while (!nt_list_is_empty(&head))
        nt_list_remove_tail(&head);
    assert_int_equal(corruptions, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(broken_back_link_is_reported),
        cmocka_unit_test(healthy_operations_report_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
