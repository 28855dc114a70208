/* ntcore/list.h - intrusive lists laid out exactly as Windows' LIST_ENTRY and
 * SINGLE_LIST_ENTRY, with the same semantics: a circular doubly linked list
 * with a sentinel head (empty when head->Flink == head), and a
 * NULL-terminated singly linked stack. All operations are O(1) and never
 * allocate. Structures from Windows memory can be walked unchanged, and the
 * project's own caches use the same code. */
#ifndef NTCORE_LIST_H
#define NTCORE_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nt_list_entry {
    struct nt_list_entry *Flink;
    struct nt_list_entry *Blink;
} nt_list_entry;

typedef struct nt_single_list_entry {
    struct nt_single_list_entry *Next;
} nt_single_list_entry;

/* LIST_ENTRY32 / LIST_ENTRY64: links of the other bitness, as found in
 * crash dumps and WOW64 structures. They hold addresses, not pointers. */
typedef struct nt_list_entry32 {
    uint32_t Flink;
    uint32_t Blink;
} nt_list_entry32;

typedef struct nt_list_entry64 {
    uint64_t Flink;
    uint64_t Blink;
} nt_list_entry64;

_Static_assert(sizeof(nt_list_entry) == 2 * sizeof(void *), "LIST_ENTRY is two pointers");
_Static_assert(offsetof(nt_list_entry, Flink) == 0, "Flink first");
_Static_assert(offsetof(nt_list_entry, Blink) == sizeof(void *), "Blink second");
_Static_assert(sizeof(nt_single_list_entry) == sizeof(void *), "SINGLE_LIST_ENTRY is one pointer");
_Static_assert(sizeof(nt_list_entry32) == 8 && offsetof(nt_list_entry32, Blink) == 4, "LIST_ENTRY32");
_Static_assert(sizeof(nt_list_entry64) == 16 && offsetof(nt_list_entry64, Blink) == 8, "LIST_ENTRY64");

/* CONTAINING_RECORD: the element that holds `ptr` as its `member`. With GCC
 * and Clang it fails to compile when `ptr` does not point to the member's
 * type, so a wrong field name or list is caught at build time. */
#if defined(__GNUC__) || defined(__clang__)
#define nt_container_of(ptr, type, member)                                              \
    (__extension__({                                                                    \
        _Static_assert(__builtin_types_compatible_p(__typeof__(*(ptr)),                  \
                                                    __typeof__(((type *)0)->member)),    \
                       "nt_container_of: pointer does not match the member's type");     \
        (type *)(void *)((char *)(ptr) - offsetof(type, member));                        \
    }))
#else
#define nt_container_of(ptr, type, member) ((type *)(void *)((char *)(ptr) - offsetof(type, member)))
#endif

/* Debug builds (NT_DEBUG) check that an entry's neighbours point back at it
 * before linking or unlinking, as Windows' fast-fail list checks do, and call
 * nt_list_corrupted() when they do not. The default handler traps. */
#ifdef NT_DEBUG
#ifndef nt_list_corrupted
#define nt_list_corrupted(entry) __builtin_trap()
#endif
#define NT_LIST_CHECK(e)                                              \
    do {                                                              \
        if ((e)->Flink->Blink != (e) || (e)->Blink->Flink != (e))     \
            nt_list_corrupted(e);                                     \
    } while (0)
#else
#define NT_LIST_CHECK(e) ((void)0)
#endif

/* InitializeListHead */
static inline void nt_list_init(nt_list_entry *head)
{
    head->Flink = head->Blink = head;
}

/* IsListEmpty */
static inline bool nt_list_is_empty(const nt_list_entry *head)
{
    return head->Flink == head;
}

/* InsertHeadList */
static inline void nt_list_insert_head(nt_list_entry *head, nt_list_entry *entry)
{
    nt_list_entry *first = head->Flink;
    NT_LIST_CHECK(head);
    entry->Flink = first;
    entry->Blink = head;
    first->Blink = entry;
    head->Flink = entry;
}

/* InsertTailList */
static inline void nt_list_insert_tail(nt_list_entry *head, nt_list_entry *entry)
{
    nt_list_entry *last = head->Blink;
    NT_LIST_CHECK(head);
    entry->Flink = head;
    entry->Blink = last;
    last->Flink = entry;
    head->Blink = entry;
}

/* RemoveEntryList: unlinks `entry`; returns true when the list it was on is
 * now empty. The entry's own links are left as they were (as Windows does). */
static inline bool nt_list_remove(nt_list_entry *entry)
{
    nt_list_entry *next = entry->Flink, *prev = entry->Blink;
    NT_LIST_CHECK(entry);
    prev->Flink = next;
    next->Blink = prev;
    return next == prev;
}

/* RemoveHeadList: unlinks and returns the first entry. On an empty list it
 * returns the head itself, as Windows does; check nt_list_is_empty first. */
static inline nt_list_entry *nt_list_remove_head(nt_list_entry *head)
{
    nt_list_entry *entry = head->Flink;
    nt_list_remove(entry);
    return entry;
}

/* RemoveTailList: unlinks and returns the last entry (the head when empty). */
static inline nt_list_entry *nt_list_remove_tail(nt_list_entry *head)
{
    nt_list_entry *entry = head->Blink;
    nt_list_remove(entry);
    return entry;
}

/* AppendTailList: splices the ring that starts at `entry` (a list without a
 * separate head, as Windows defines it) onto the tail of `head`. */
static inline void nt_list_append_tail(nt_list_entry *head, nt_list_entry *entry)
{
    nt_list_entry *list_end = head->Blink;
    head->Blink->Flink = entry;
    head->Blink = entry->Blink;
    entry->Blink->Flink = head;
    entry->Blink = list_end;
}

/* Iterates `pos` (an nt_list_entry *) over the list, head to tail. Do not
 * remove `pos` inside the loop; use nt_list_for_each_safe for that. */
#define nt_list_for_each(pos, head) for ((pos) = (head)->Flink; (pos) != (head); (pos) = (pos)->Flink)

/* Iterates with `tmp` holding the next entry, so `pos` may be removed. */
#define nt_list_for_each_safe(pos, tmp, head) \
    for ((pos) = (head)->Flink, (tmp) = (pos)->Flink; (pos) != (head); (pos) = (tmp), (tmp) = (pos)->Flink)

/* Iterates element pointers `e` of type `type *` linked through `member`. */
#define nt_list_for_each_entry(e, head, type, member)                       \
    for ((e) = nt_container_of((head)->Flink, type, member); &(e)->member != (head); \
         (e) = nt_container_of((e)->member.Flink, type, member))

/* PushEntryList */
static inline void nt_single_list_push(nt_single_list_entry *head, nt_single_list_entry *entry)
{
    entry->Next = head->Next;
    head->Next = entry;
}

/* PopEntryList: returns the first entry, or NULL when the list is empty. */
static inline nt_single_list_entry *nt_single_list_pop(nt_single_list_entry *head)
{
    nt_single_list_entry *first = head->Next;
    if (first)
        head->Next = first->Next;
    return first;
}

#ifdef __cplusplus
}
#endif
#endif
