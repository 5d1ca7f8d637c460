# Mirrors tools/testing/selftests/bpf/progs/exceptions_assert.c (23 programs,
# run by prog_tests/exceptions.c test_exceptions_assertions). Our own programs,
# in fixtures/src/exc_st_assert.bpf.c with the assertion macros of
# fixtures/include/bpfx_exc.h; the column "selftest" names the kernel program
# each row mirrors. The register lines are the live kernel's (Linux 6.18), as
# the selftest's __msg: a substring of a line of the level-2 log.
Feature: The kernel's assertion selftests: what the verifier knows after bpf_assert
  After an assertion that did not throw, the verifier knows the asserted bound
  of the register. Each program then uses the value as a pointer on purpose,
  so the load fails and the level-2 log shows the register's bounds. The model
  must print the same bounds and the same error.

  Background:
    Given the log level 2

  Scenario Outline: <selftest>: after the assertion the register is <state>
    Given the object "fixtures/obj/exc_st_assert.bpf.o" program "<program>"
    When it is loaded by the "verifier" engine
    Then the verdict is "reject"
    And the error line is "<message>"
    And the log has a line containing "<state>"
    And the kernel agrees
    When it is loaded by the "kernel" engine
    Then the log has a line containing "<state>"
    But the "interp" engine cannot apply: the kernel rejects the program, there is nothing to run
    But the "jit" engine cannot apply: the kernel rejects the program, there is nothing to run

    Examples: bpf_assert(bpf_cmp_unlikely(v, op, k)) on a signed 64-bit clock value
      | selftest                  | program       | message                        | state |
      | check_assert_eq_int_min   | st_eq_s32_min | R6 invalid mem access 'scalar' | R6=0xffffffff80000000 R10=fp0 |
      | check_assert_eq_int_max   | st_eq_s32_max | R6 invalid mem access 'scalar' | R6=0x7fffffff R10=fp0 |
      | check_assert_eq_zero      | st_eq_zero    | R6 invalid mem access 'scalar' | R6=0 R10=fp0 |
      | check_assert_eq_llong_min | st_eq_s64_min | R6 invalid mem access 'scalar' | R1=0x8000000000000000 R6=0x8000000000000000 R10=fp0 |
      | check_assert_eq_llong_max | st_eq_s64_max | R6 invalid mem access 'scalar' | R1=0x7fffffffffffffff R6=0x7fffffffffffffff R10=fp0 |
      | check_assert_lt_pos       | st_lt_s32_max | R6 invalid mem access 'scalar' | R6=scalar(id=1,smax=0x7ffffffe) R10=fp0 |
      | check_assert_lt_zero      | st_lt_zero    | R6 invalid mem access 'scalar' | R6=scalar(id=1,smax=-1,umin=0x8000000000000000,var_off=(0x8000000000000000; 0x7fffffffffffffff)) |
      | check_assert_lt_neg       | st_lt_s32_min | R6 invalid mem access 'scalar' | R6=scalar(id=1,smax=0xffffffff7fffffff,umin=0x8000000000000000,umax=0xffffffff7fffffff,var_off=(0x8000000000000000; 0x7fffffffffffffff)) |
      | check_assert_le_pos       | st_le_s32_max | R6 invalid mem access 'scalar' | R6=scalar(id=1,smax=0x7fffffff) R10=fp0 |
      | check_assert_le_zero      | st_le_zero    | R6 invalid mem access 'scalar' | R6=scalar(id=1,smax=0) R10=fp0 |
      | check_assert_le_neg       | st_le_s32_min | R6 invalid mem access 'scalar' | R6=scalar(id=1,smax=0xffffffff80000000,umin=0x8000000000000000,umax=0xffffffff80000000,var_off=(0x8000000000000000; 0x7fffffffffffffff)) |
      | check_assert_gt_pos       | st_gt_s32_max | R6 invalid mem access 'scalar' | R6=scalar(id=1,smin=umin=0x80000000,umax=0x7fffffffffffffff,var_off=(0x0; 0x7fffffffffffffff)) |
      | check_assert_gt_zero      | st_gt_zero    | R6 invalid mem access 'scalar' | R6=scalar(id=1,smin=umin=1,umax=0x7fffffffffffffff,var_off=(0x0; 0x7fffffffffffffff)) |
      | check_assert_gt_neg       | st_gt_s32_min | R6 invalid mem access 'scalar' | R6=scalar(id=1,smin=0xffffffff80000001) R10=fp0 |
      | check_assert_ge_pos       | st_ge_s32_max | R6 invalid mem access 'scalar' | R6=scalar(id=1,smin=umin=0x7fffffff,umax=0x7fffffffffffffff,var_off=(0x0; 0x7fffffffffffffff)) |
      | check_assert_ge_zero      | st_ge_zero    | R6 invalid mem access 'scalar' | R6=scalar(id=1,smin=0,umax=0x7fffffffffffffff,var_off=(0x0; 0x7fffffffffffffff)) |
      | check_assert_ge_neg       | st_ge_s32_min | R6 invalid mem access 'scalar' | R6=scalar(id=1,smin=0xffffffff80000000) R10=fp0 |

    Examples: bpf_assert_range on context fields, and a packet bound
      | selftest                      | program           | message                                               | state |
      | check_assert_range_s64        | st_range_signed   | value -2147483646 makes ctx pointer be out of bounds  | R7=scalar(smin=0xffffffff80000002,smax=smax32=0x7ffffffd,smin32=0x80000002) R10=fp0 |
      | check_assert_range_u64        | st_range_unsigned | variable ctx access var_off=(0x0; 0x3fff) disallowed  | R7=scalar(smin=umin=smin32=umin32=4096,smax=umax=smax32=umax32=8192,var_off=(0x0; 0x3fff)) |
      | check_assert_single_range_s64 | st_point_signed   | dereference of modified ctx ptr R6 off=4096 disallowed | R6=ctx(off=4096) R7=4096 |
      | check_assert_single_range_u64 | st_point_unsigned | dereference of modified ctx ptr R6 off=4096 disallowed | R6=ctx(off=4096) R7=4096 |
      | check_assert_generic          | st_packet_bound   | R6 offset is outside of the packet                    | R1=pkt(off=64,r=64) R2=pkt_end() R6=pkt(r=64) R10=fp0 |

  # The asserted register's linked copy (R0, same id) is dead at the branch, so
  # Linux 6.18 does not narrow it (collect_linked_regs takes live registers only)
  # and leaves it scalar(id=1) in the same line; the model does the same.
  Scenario: check_assert_eq_zero: the level-2 line of the model and of the kernel agree on R0
    Given the object "fixtures/obj/exc_st_assert.bpf.o" program "st_eq_zero"
    When it is loaded by the "kernel" engine
    Then the log has a line containing "5: R0=scalar(id=1) R1=0 R6=0 R10=fp0"
    When it is loaded by the "verifier" engine
    Then the log has a line containing "5: R0=scalar(id=1) R1=0 R6=0 R10=fp0"

  # check_assert_with_return: bpf_assert_with's cookie is checked against the
  # fentry return range. fentry loads are refused with EPERM here, so the model
  # is held to the selftest's message.
  Scenario: check_assert_with_return: the thrown cookie is an fentry program's return value
    Given the object "fixtures/obj/exc_st_assert.bpf.o" program "st_fentry_assert_cookie"
    But the "verifier" engine cannot apply: the model does not verify fentry programs yet (not modelled yet); the selftest expects "At program exit the register R1 has smin=64 smax=64 should"
    But the "kernel" engine cannot apply: fentry loads are refused with EPERM and an empty log on this kernel (no ftrace)
    But the "interp" engine cannot apply: the kernel rejects the program, there is nothing to run
    But the "jit" engine cannot apply: the kernel rejects the program, there is nothing to run
