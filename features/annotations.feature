Feature: Scenarios say what the kernel's selftest annotations say
  Each step carries one of test_loader's annotations (__msg, __not_msg,
  __regex, __log_level, __flag, _unpriv, __xlated, __retval, __success,
  __failure) with its semantics; an assembly program declares its functions
  with their BTF signatures, its exception callback and its maps, so every
  exception rule can be written without C. Linux is the referee.

  Scenario: Messages are found in order, with regular expressions, and a message that must not come back
    Given the program:
      """
      r0 = r2
      exit
      """
    When it is loaded by the "verifier" engine
    Then the verdict is "reject"
    And the errno is "EACCES"
    And the log has, in order:
      | msg     | 0: (bf) r0 = r2                |
      | msg     | R{{[0-9]}} !read_ok            |
      | not_msg | R2 !read_ok                    |
      | regex   | ^processed [0-9]+ insns        |
    And the kernel agrees

  Scenario: At log level 0 an accepted program has no log; at level 2 it shows the states
    Given the program:
      """
      r1 = 5
      r0 = r1
      exit
      """
    And the log level 0
    When it is loaded by the "verifier" engine
    Then the verdict is "accept"
    And the log does not have the message "r1 = 5"
    Given the log level 2
    When it is loaded by the "kernel" engine
    Then the log has the message "R1=5"
    And the log has the message "{{[0-9]}}: (95) exit"

  Scenario: The rewritten program is the kernel's
    Given the program:
      """
      r1 = 5
      r0 = r1
      r0 += 1
      exit
      """
    When it is loaded by the "verifier" engine
    Then the xlated program has:
      """
      0: r1 = 5
      1: r0 = r1
      ...
      3: exit
      """
    And the kernel agrees
    When it is loaded by the "kernel" engine
    Then the xlated program has:
      """
      0: r1 = 5
      1: r0 = r1
      """

  Scenario: An unprivileged load is refused where the privileged one passes
    Given the program:
      """
      r0 = r10
      exit
      """
    When it is loaded by the "verifier" engine
    Then the verdict is "accept"
    When it is loaded unprivileged by the "verifier" engine
    Then the verdict is "reject"
    And the error line is "R0 leaks addr as return value"

  Scenario: An exception callback declared in assembly returns the cookie it is given
    Given the program type "sched_cls"
    And the program:
      """
      r1 = 7
      call bpf_throw
      r0 = 0
      exit
      exc_cb:
      r0 = r1
      r0 += 100
      exit
      """
    And the functions:
      | name   | linkage | args                 | exception_callback |
      | main   | global  | struct __sk_buff *   | exc_cb             |
      | exc_cb | global  | u64                  |                    |
    When it runs on the "interp" engine
    Then the return value is "107"
    When it runs on the "jit" engine
    Then the return value is "107"
    When it is loaded by the "verifier" engine
    Then the verdict is "accept"
    And the kernel agrees

  Scenario: A static exception callback is refused
    Given the program type "sched_cls"
    And the program:
      """
      r1 = 7
      call bpf_throw
      r0 = 0
      exit
      cb:
      r0 = r1
      exit
      """
    And the functions:
      | name | linkage | args               | exception_callback |
      | main | global  | struct __sk_buff * | cb                 |
      | cb   | static  | u64                |                    |
    When it is loaded by the "verifier" engine
    Then the verdict is "reject"
    And the errno is "EINVAL"
    And the error line is "exception callback 'cb' must have global linkage"
    And the kernel agrees

  Scenario: A throw whose cookie comes from a map
    Given the program type "sched_cls"
    And the program:
      """
      *(u32 *)(r10 - 4) = 0
      r1 = map_fd(cookies) ll
      r2 = r10
      r2 += -4
      call bpf_map_lookup_elem
      if r0 == 0 goto out
      r1 = *(u64 *)(r0 + 0)
      r1 += 3
      call bpf_throw
      out:
      r0 = 0
      exit
      """
    And the map "cookies" of type "array" with key size 4, value size 8 and 1 entries
    When it runs on the "interp" engine
    Then the return value is "3"
    When it is loaded by the "verifier" engine
    Then the verdict is "accept"
    And the kernel agrees

  Scenario: A held reference makes a throw a leak
    Given the program type "sched_cls"
    And the program:
      """
      r1 = 1
      call bpf_task_from_pid
      if r0 == 0 goto out
      r1 = 7
      call bpf_throw
      out:
      r0 = 0
      exit
      """
    When it is loaded by the "verifier" engine
    Then the error line is "bpf_throw would lead to reference leak"
    And the kernel agrees

  Scenario: A runtime error on the interpreter
    Given the program:
      """
      r1 = 0
      r0 = *(u64 *)(r1 + 0)
      exit
      """
    When it runs on the "interp" engine
    Then the run fails with an error containing "invalid read of 8 bytes at 0x0 (pc 1)"

  Scenario: The model says when it cannot decide
    Given the program:
      """
      r1 = map_idx(0) ll
      r0 = 0
      exit
      """
    When it is loaded by the "verifier" engine
    Then it is not modelled yet because "map indexes into fd_array"

  Scenario: A prog flag changes what the kernel says, and the model follows it
    Given the spec "specs/annotations-flag-strict-alignment.yaml"
    When it is loaded by the "kernel" engine
    Then the verdict is "reject"
    And the error line is "misaligned packet access off 2+0+0+1 size 4"
    When it is loaded by the "verifier" engine
    Then the verdict is "reject"
    And the error line is "misaligned packet access off 2+0+0+1 size 4"

  Scenario: A prog flag the model does not take; it says it cannot decide
    Given the program type "xdp"
    And the prog flag "BPF_F_XDP_HAS_FRAGS"
    And the program:
      """
      r0 = 2
      exit
      """
    When it is loaded by the "verifier" engine
    Then it is not modelled yet because "BPF_F_XDP_HAS_FRAGS"

  Scenario: Auxiliary programs load first, and their failure is the load's
    Given the object "fixtures/obj/calls_funcs.bpf.o" program "global_ctx" with the auxiliary programs "global_mem_checked, global_mem_unchecked"
    When it is loaded by the "verifier" engine
    Then the verdict is "reject"
    And the error line is "R1 invalid mem access 'mem_or_null'"
    And the kernel agrees
    Given the object "fixtures/obj/calls_funcs.bpf.o" program "global_ctx" with the auxiliary programs "global_mem_checked"
    When it is loaded by the "verifier" engine
    Then the verdict is "accept"
    And the kernel agrees
