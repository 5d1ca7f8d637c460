Feature: Jitted programs run natively and unwind like the kernel's
  bpfx's JIT lays code out as Linux's x86-64 JIT does. A program that can
  throw is an exception boundary: its main program saves r12 and every
  callee-saved register, and bpf_throw walks the frame pointers back to it and
  calls the exception callback, which restores them for the program's caller.

  Scenario Outline: r12 is preserved across bpf_throw
    Given a native harness with sentinels in r12, rbx, rbp, r13, r14 and r15
    When the jitted program throws <cookie> from call depth <depth>
    Then the native result is <cookie>
    And every sentinel is intact

    Examples:
      | depth | cookie |
      | 0     | 7      |
      | 1     | 8      |
      | 4     | 11     |
      | 7     | 14     |
      | 8     | 15     |

  Scenario: A program that could throw but returns keeps every register too
    Given a native harness with sentinels in r12, rbx, rbp, r13, r14 and r15
    When the jitted program returns from call depth 3
    Then the native result is 1003
    And every sentinel is intact

  Scenario: A tail call replaces the frame and the target's throw still unwinds to the caller
    Given a native harness with sentinels in r12, rbx, rbp, r13, r14 and r15
    When the jitted program tail-calls one that throws 42 from call depth 2
    Then the native result is 42
    And every sentinel is intact

  Scenario: The JIT and the interpreter agree with Linux on the default exception callback
    Given the spec "specs/throw-default-callback-returns-cookie.yaml"
    When it runs on the "jit" engine
    Then the return value is "7"
    And the kernel agrees

  Scenario: A throw from a subprogram ends the program through the callback, natively
    Given the spec "specs/throw-from-subprogram.yaml"
    When it runs on the "jit" engine
    Then the kernel agrees
