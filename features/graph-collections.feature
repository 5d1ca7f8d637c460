# Graph collections (bpf_rbtree_*, bpf_list_*) with exceptions: our own programs in
# fixtures/src/graph.bpf.c and exc_st_fail.bpf.c, modelled on the kernel selftests
# rbtree.c, rbtree_fail.c, linked_list.c, linked_list_fail.c and exceptions_fail.c.
# Messages are the live kernel's (Linux 6.18).
Feature: Graph collections: the tree's lock, node ownership, and throws
  A root is guarded by the bpf_spin_lock of its own map value, which must be held
  for every graph kfunc. Inserting a node hands it to the collection: the program
  keeps a non-owning pointer until the unlock, as for the nodes bpf_rbtree_first,
  bpf_rbtree_root/left/right and bpf_list_front/back return. A node popped or removed is the
  program's again and must be dropped, also before a throw. bpf_rbtree_add's
  `less` callback runs under the lock, so it may not call functions (bpf_throw
  among them). The model must give the kernel's verdict and message for each.

  Scenario: a throw inside the rbtree comparator is a call under the tree's lock
    Given the object "fixtures/obj/exc_st_fail.bpf.o" program "st_throw_in_rbtree_less"
    When it is loaded by the "verifier" engine
    Then the verdict is "reject"
    And the error line is "function calls are not allowed while holding a lock"
    And the log has the message "frame1: R1=ptr_tree_item(non_own_ref,off=8) R2=ptr_tree_item(non_own_ref,off=8) R10=fp0 refs=2 cb"
    And the kernel agrees
    But the "interp" engine cannot apply: the kernel rejects the program, there is nothing to run
    But the "jit" engine cannot apply: the kernel rejects the program, there is nothing to run

  Scenario: a node popped from a list and still owned at a throw is a leak
    Given the object "fixtures/obj/graph.bpf.o" program "g_throw_holding_popped"
    When it is loaded by the "verifier" engine
    Then the verdict is "reject"
    And the error line is "bpf_throw would lead to reference leak"
    And the kernel agrees
    But the "interp" engine cannot apply: the kernel rejects the program, there is nothing to run
    But the "jit" engine cannot apply: the kernel rejects the program, there is nothing to run

  Scenario: a popped node dropped before the throw leaks nothing
    Given the object "fixtures/obj/graph.bpf.o" program "g_throw_after_drop"
    When it is loaded by the "verifier" engine
    Then the verdict is "accept"
    And the kernel agrees
    When it runs on the "kernel" engine
    Then the return value is "0"

  Scenario Outline: <program>: accepted as the kernel accepts it
    Given the object "fixtures/obj/graph.bpf.o" program "<program>"
    When it is loaded by the "verifier" engine
    Then the verdict is "accept"
    And the kernel agrees

    Examples:
      | program               |
      | g_rb_add_first_remove |
      | g_list_push_pop       |
      | g_rb_read_after_add   |
      | g_rb_remove_owned     |
      | g_rb_twin             |
      | g_list_peek           |
      | g_rb_walk             |
      | g_cb_peek_first       |
      | g_map_push            |
      | g_rb_add_loop         |

  Scenario Outline: <program>: rejected with the kernel's message
    Given the object "fixtures/obj/graph.bpf.o" program "<program>"
    When it is loaded by the "verifier" engine
    Then the verdict is "reject"
    And the error line is "<message>"
    And the kernel agrees

    Examples: the root's own lock
      | program             | message                                             |
      | g_rb_add_unlocked   | bpf_spin_lock at off=0 must be held for bpf_rb_root  |
      | g_list_pop_unlocked | bpf_spin_lock at off=0 must be held for bpf_list_head |
      | g_rb_add_other_lock | bpf_spin_lock at off=0 must be held for bpf_rb_root  |
      | g_drop_in_lock      | function calls are not allowed while holding a lock |
      | g_map_two_values    | bpf_spin_lock at off=8 must be held for bpf_list_head |

    Examples: ownership
      | program                | message                                                          |
      | g_rb_read_after_unlock | R6 invalid mem access 'scalar'                                   |
      | g_rb_add_twice         | arg#1 expected pointer to allocated object                       |
      | g_list_push_twice      | arg#1 expected pointer to allocated object                       |
      | g_rb_remove_leak       | BPF_EXIT instruction in main prog would lead to reference leak   |
      | g_rb_remove_unchecked  | Possibly NULL pointer passed to trusted arg1                     |
      | g_node_direct_write    | direct access to bpf_rb_node is disallowed                       |
      | g_list_peek_after_unlock | R6 invalid mem access 'scalar'                                 |
      | g_rb_left_unchecked    | Possibly NULL pointer passed to trusted arg1                     |
      | g_push_peeked_node     | arg#1 expected pointer to allocated object                       |

    Examples: node types and offsets
      | program           | message                                                                                                  |
      | g_rb_wrong_member | arg#1 offset=0, but expected bpf_rb_node at offset=40 in struct twin                                     |
      | g_root_wrong_offset | bpf_rb_root not found at offset=0                                                                     |
      | g_rb_wrong_struct | operation on bpf_rb_root expects arg#1 bpf_rb_node at offset=40 in struct twin, but arg is at offset=8 in struct elem |

    Examples: argument kinds
      | program            | message                                                                     |
      | g_root_is_ctx      | arg#0 expected pointer to map value or allocated object                     |
      | g_rb_remove_global | bpf_rbtree_remove can only take non-owning or refcounted bpf_rb_node pointer |
      | g_rb_add_no_less   | Possibly NULL pointer passed to trusted arg2                                |
      | g_rb_add_data_less | arg2 expected pointer to func                                               |

    Examples: inside the comparator (the lock is held)
      | program        | message                                      |
      | g_cb_remove    | bpf_rbtree_remove not allowed in rbtree cb   |
      | g_cb_walk_left | bpf_rbtree_left not allowed in rbtree cb     |
      | g_cb_unlock    | can't spin_{lock,unlock} in rbtree cb        |
      | g_cb_add_node  | arg#1 expected pointer to allocated object   |
