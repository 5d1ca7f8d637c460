# Mirrors tools/testing/selftests/bpf/progs/exceptions.c as run by
# prog_tests/exceptions.c (test_exceptions_success): 39 RUN_SUCCESS checks.
# Our own programs, in fixtures/src/exc_st_run.bpf.c and exc_st_tail.bpf.c;
# the column "selftest" names the kernel program each row mirrors.
Feature: The kernel's exception selftests that run: the value each throw returns
  Every program loads and runs on an IPv4 packet, as the selftest's pkt_v4:
  a throw ends the program through the default callback (the cookie) or the
  program's exception callback; assertions throw when they fail. Each row runs
  on the verifier model, the interpreter and the JIT, each held to the kernel.

  Background:
    Given the packet "0000000000000000000000000800450000280000000040060000007f0000017f0000010000000000000000000000005000000000000000"

  Scenario Outline: <selftest> returns <retval> on every engine
    Given the object "fixtures/obj/exc_st_run.bpf.o" program "<program>"
    When it is loaded by the "verifier" engine
    Then the verdict is "accept"
    And the kernel agrees
    When it runs on the "kernel" engine
    Then the return value is "<retval>"
    When it runs on the "interp" engine
    Then the return value is "<retval>"
    And the kernel agrees
    When it runs on the "jit" engine
    Then the return value is "<retval>"
    And the kernel agrees

    Examples: throws through static and global subprograms
      | selftest                       | program               | retval |
      | exception_throw_always_1       | st_throw_at_once      | 64     |
      | exception_throw_always_2       | st_throw_dead_tail    | 32     |
      | exception_throw_unwind_1       | st_unwind_from_global | 16     |
      | exception_throw_unwind_2       | st_unwind_from_static | 32     |
      | exception_throw_default        | st_throw_zero         | 0      |
      | exception_throw_default_value  | st_throw_five         | 5      |
      | exception_ext                  | st_ext_target         | 0      |
      | exception_ext_mod_cb_runtime   | st_cb_hook_target     | 35     |

    Examples: assertions in global functions, held and failed (bpf_assert, bpf_assert_with)
      | selftest                              | program                | retval |
      | exception_assert_nz_gfunc             | st_ok_nonzero          | 1      |
      | exception_assert_zero_gfunc           | st_ok_zero             | 1      |
      | exception_assert_neg_gfunc            | st_ok_negative         | 1      |
      | exception_assert_pos_gfunc            | st_ok_positive         | 1      |
      | exception_assert_negeq_gfunc          | st_ok_at_most_m1       | 1      |
      | exception_assert_poseq_gfunc          | st_ok_at_least_1       | 1      |
      | exception_assert_nz_gfunc_with        | st_ok_nonzero_with     | 1      |
      | exception_assert_zero_gfunc_with      | st_ok_zero_with        | 1      |
      | exception_assert_neg_gfunc_with       | st_ok_negative_with    | 1      |
      | exception_assert_pos_gfunc_with       | st_ok_positive_with    | 1      |
      | exception_assert_negeq_gfunc_with     | st_ok_at_most_m1_with  | 1      |
      | exception_assert_poseq_gfunc_with     | st_ok_at_least_1_with  | 1      |
      | exception_bad_assert_nz_gfunc         | st_bad_nonzero         | 0      |
      | exception_bad_assert_zero_gfunc       | st_bad_zero            | 0      |
      | exception_bad_assert_neg_gfunc        | st_bad_negative        | 0      |
      | exception_bad_assert_pos_gfunc        | st_bad_positive        | 0      |
      | exception_bad_assert_negeq_gfunc      | st_bad_at_most_m1      | 0      |
      | exception_bad_assert_poseq_gfunc      | st_bad_at_least_1      | 0      |
      | exception_bad_assert_nz_gfunc_with    | st_bad_nonzero_with    | 100    |
      | exception_bad_assert_zero_gfunc_with  | st_bad_zero_with       | 105    |
      | exception_bad_assert_neg_gfunc_with   | st_bad_negative_with   | 200    |
      | exception_bad_assert_pos_gfunc_with   | st_bad_positive_with   | 0      |
      | exception_bad_assert_negeq_gfunc_with | st_bad_at_most_m1_with | 101    |
      | exception_bad_assert_poseq_gfunc_with | st_bad_at_least_1_with | 99     |

  # exception_bad_assert_pos_gfunc_with throws -100 + 100 = 0; the test run
  # reports r0's low 32 bits, so 0 here is the cookie, not a fall-through.

  Scenario Outline: <selftest> (a clock value asserted in range) returns <retval> on every engine
    Given the object "fixtures/obj/exc_st_run.bpf.o" program "<program>"
    When it is loaded by the "verifier" engine
    Then the verdict is "accept"
    And the kernel agrees
    When it runs on the "kernel" engine
    Then the return value is "<retval>"
    When it runs on the "interp" engine
    Then the return value is "<retval>"
    And the kernel agrees
    When it runs on the "jit" engine
    Then the return value is "<retval>"
    And the kernel agrees

    Examples:
      | selftest                        | program                | retval |
      | exception_assert_range          | st_in_full_range       | 1      |
      | exception_assert_range_with     | st_in_full_range_with  | 1      |
      | exception_bad_assert_range      | st_in_small_range      | 0      |
      | exception_bad_assert_range_with | st_in_small_range_with | 10     |

  # exception_throw_subprog: the packet's protocol (0x0008 as the context
  # reads it) matches no case, so the main program throws 1; the subprograms
  # call bpf_ktime_get_ns, which the interpreter does not have, but the path
  # taken never calls them. The JIT refuses the program for that call.
  Scenario: exception_throw_subprog: subprograms that may throw, none taken, returns 1
    Given the object "fixtures/obj/exc_st_run.bpf.o" program "st_subprog_menu"
    When it is loaded by the "verifier" engine
    Then the verdict is "accept"
    And the kernel agrees
    When it runs on the "kernel" engine
    Then the return value is "1"
    When it runs on the "interp" engine
    Then the return value is "1"
    And the kernel agrees
    When it runs on the "jit" engine
    Then the return value is "1"
    And the kernel agrees

  # exception_tail_call: a subprogram tail-calls a program that throws 16; the
  # throw ends the tail-called program, whose value returns to the caller,
  # which adds 8: 24. The kernel engine fills the prog array from the map's
  # BTF 'values' as libbpf does (the target program loads first).
  Scenario: exception_tail_call: a throw in a tail-called program returns to the caller's caller
    Given the object "fixtures/obj/exc_st_tail.bpf.o" program "st_tail_call_throws"
    When it is loaded by the "verifier" engine
    Then the verdict is "accept"
    And the kernel agrees
    When it runs on the "kernel" engine
    Then the return value is "24"
    But the "interp" engine cannot apply: the interpreter does not model prog arrays (tail calls)
    When it runs on the "jit" engine
    Then the return value is "24"
    And the kernel agrees

  # exception_throw_from_void_global: a __weak void global function that throws 11.
  # The selftest expects 11 on kernels that accept void global functions here;
  # Linux 6.18 rejects the call (the function's BTF has no arguments to check).
  Scenario: exception_throw_from_void_global: Linux 6.18 refuses the call of a void global function
    Given the object "fixtures/obj/exc_st_run.bpf.o" program "st_void_global_throws"
    When it is loaded by the "verifier" engine
    Then the verdict is "reject"
    And the error line is "Caller passes invalid args into func#1 ('throw_eleven')"
    And the kernel agrees
    But the "interp" engine cannot apply: the kernel rejects the program, there is nothing to run
    But the "jit" engine cannot apply: the kernel rejects the program, there is nothing to run

  # r12 preservation: the JIT's exception boundary saves r12 and every
  # callee-saved register, and a throw from any depth gives them back (the
  # native harness of features/native.feature, on jitted chains of subprograms
  # as deep as the selftests' unwinding cases).
  Scenario Outline: r12 and the callee-saved registers survive a throw from depth <depth> (exception_throw_unwind_*)
    Given a native harness with sentinels in r12, rbx, rbp, r13, r14 and r15
    When the jitted program throws <cookie> from call depth <depth>
    Then the native result is <cookie>
    And every sentinel is intact

    Examples:
      | depth | cookie |
      | 2     | 16     |
      | 3     | 32     |

  Scenario: r12 survives a throw in a tail-called program (exception_tail_call)
    Given a native harness with sentinels in r12, rbx, rbp, r13, r14 and r15
    When the jitted program tail-calls one that throws 16 from call depth 1
    Then the native result is 16
    And every sentinel is intact
