# Mirrors tools/testing/selftests/bpf/progs/exceptions_fail.c (22 programs,
# run by prog_tests/exceptions.c test_exceptions_failure). Our own programs, in
# fixtures/src/exc_st_fail.bpf.c; the column "selftest" names the kernel
# program each row mirrors. Messages are the live kernel's (Linux 6.18).
Feature: The kernel's exception selftests that must fail: each broken rule and its message
  Exception callbacks take one integer and return a scalar, are never called
  directly, never throw, and there is one per program; bpf_throw may not be
  called from callbacks, with a lock or an RCU read section held, or while a
  reference is held. The model must reject each with the kernel's message.
  Rejected programs have nothing to run: the interpreter and the JIT do not apply.

  Scenario Outline: <selftest>: the model rejects with the kernel's message
    Given the object "fixtures/obj/exc_st_fail.bpf.o" program "<program>"
    When it is loaded by the "verifier" engine
    Then the verdict is "reject"
    And the error line is "<message>"
    And the kernel agrees
    But the "interp" engine cannot apply: the kernel rejects the program, there is nothing to run
    But the "jit" engine cannot apply: the kernel rejects the program, there is nothing to run

    Examples: exception callback signatures, calls and tags
      | selftest                             | program                  | message                                                                          |
      | reject_exception_cb_type_1           | st_cb_pointer_return     | Global function cb_returns_pointer() doesn't return scalar. Only those are supported. |
      | reject_exception_cb_type_2           | st_cb_no_arg             | exception cb only supports single integer argument                               |
      | reject_exception_cb_type_3           | st_cb_two_args           | exception cb only supports single integer argument                               |
      | reject_throwing_exception_cb         | st_cb_throws             | bpf_throw kfunc (insn 4) cannot be called from callback subprog 1                |
      | reject_exception_cb_call_global_func | st_cb_called_from_global | insn 3 cannot call exception cb directly                                         |
      | reject_exception_cb_call_static_func | st_cb_called_from_static | insn 3 cannot call exception cb directly                                         |
      | reject_multiple_exception_cb         | st_two_cb_tags           | multiple exception callback tags for main subprog                                |

    Examples: throws from bpf_loop callbacks
      | selftest                       | program            | message                                                            |
      | reject_with_cb                 | st_loop_throw      | bpf_throw kfunc (insn 9) cannot be called from callback subprog 1  |
      | reject_exception_throw_cb      | st_loop_cb_throws  | bpf_throw kfunc (insn 9) cannot be called from callback subprog 1  |
      | reject_exception_throw_cb_diff | st_loop_cbs_differ | bpf_throw kfunc (insn 13) cannot be called from callback subprog 1 |
      | reject_async_callback_throw    | st_throw_in_timer_cb | bpf_throw kfunc (insn 16) cannot be called from callback subprog 1 |

    Examples: an allocated object (bpf_obj_new) held at a throw
      | selftest                      | program                      | message                                |
      | reject_with_reference         | st_throw_holding_obj         | bpf_throw would lead to reference leak |
      | reject_with_cb_reference      | st_loop_throw_holding_obj    | bpf_throw would lead to reference leak |
      | reject_with_subprog_reference | st_subprog_throw_holding_obj | bpf_throw would lead to reference leak |

    Examples: held locks and RCU read sections
      | selftest                          | program                 | message                                                      |
      | reject_with_lock                  | st_throw_locked         | function calls are not allowed while holding a lock          |
      | reject_subprog_with_lock          | st_subprog_throw_locked | function calls are not allowed while holding a lock          |
      | reject_with_rcu_read_lock         | st_throw_in_rcu         | bpf_throw cannot be used inside bpf_rcu_read_lock-ed region  |
      | reject_subprog_with_rcu_read_lock | st_subprog_throw_in_rcu | bpf_throw cannot be used inside bpf_rcu_read_lock-ed region  |

    # bpf_rbtree_add_impl's `less` callback runs with the tree's lock held (graph.ts):
    # the throw inside it is a call while holding a lock
    Examples: a throw in the rbtree comparator
      | selftest                     | program                 | message                                             |
      | reject_with_rbtree_add_throw | st_throw_in_rbtree_less | function calls are not allowed while holding a lock |

  # reject_exception_cb_type_4: a callback taking a 32-bit int is fine.
  Scenario: reject_exception_cb_type_4: an int (not u64) cookie argument is accepted
    Given the object "fixtures/obj/exc_st_fail.bpf.o" program "st_cb_int_arg"
    When it is loaded by the "verifier" engine
    Then the verdict is "accept"
    And the kernel agrees
    When it runs on the "kernel" engine
    Then the return value is "0"
    When it runs on the "interp" engine
    Then the return value is "0"
    And the kernel agrees
    When it runs on the "jit" engine
    Then the return value is "0"
    And the kernel agrees

  # The return-value rule of fentry programs (must return 0): fentry loads are
  # refused with EPERM and an empty log on this kernel (built without ftrace;
  # the same with a BPF program as target), so the model is held to the
  # message of the selftest as the upstream tree has it today.
  Scenario Outline: <selftest>: the model's message for an fentry program's return value
    Given the object "fixtures/obj/exc_st_fail.bpf.o" program "<program>"
    But the "verifier" engine cannot apply: the model does not verify fentry programs yet (not modelled yet); the selftest expects "<selftest message>"
    But the "kernel" engine cannot apply: fentry loads are refused with EPERM and an empty log on this kernel (no ftrace)
    But the "interp" engine cannot apply: an fentry program has no test run here
    But the "jit" engine cannot apply: the program is rejected, there is nothing to run

    Examples:
      | selftest                         | program                  | selftest message                                              |
      | reject_set_exception_cb_bad_ret1 | st_fentry_cb_unknown_ret | At program exit the register R0 has unknown scalar value should |
      | reject_set_exception_cb_bad_ret2 | st_fentry_throw_nonzero  | At program exit the register R1 has smin=64 smax=64 should    |

  # Rules the brief names that these selftest files check through libbpf, or
  # not at all: a program built with its own BTF, as a loader without libbpf's
  # checks would hand it to the kernel.
  Scenario: static linkage: the kernel refuses an exception callback that is not global
    Given the program with the functions "main(pskb) global, cb(u64) static" and the decl tag "exception_callback:cb":
      """
      main:
        r1 = 1
        call bpf_throw
        r0 = 0
        exit
      cb:
        r0 = r1
        exit
      """
    When it is loaded by the "verifier" engine
    Then the verdict is "reject"
    And the error line is "exception callback 'cb' must have global linkage"
    And the kernel agrees
    But the "interp" engine cannot apply: the kernel rejects the program, there is nothing to run
    But the "jit" engine cannot apply: the kernel rejects the program, there is nothing to run

  # Linux 6.18 (fixed build) says "callback"; the first 6.18 build said "exception cb"
  # (src/verifier/profiles.ts, tailCallInCallback).
  Scenario: a tail call in the exception callback is refused
    Given the program with the functions "main(pskb) global, cb(u64) global, f(u64) static" and the decl tag "exception_callback:cb":
      """
      main:
        r1 = 1
        call bpf_throw
        r0 = 0
        exit
      cb:
        call f
        r0 = 0
        exit
      f:
        r0 = 0
        if r0 != 0 goto tail
        exit
      tail:
        call bpf_tail_call
        exit
      """
    When it is loaded by the "verifier" engine
    Then the verdict is "reject"
    And the error line is "cannot tail call within callback"
    And the kernel agrees
    But the "interp" engine cannot apply: the kernel rejects the program, there is nothing to run
    But the "jit" engine cannot apply: the kernel rejects the program, there is nothing to run
