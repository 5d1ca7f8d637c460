Feature: The interpreter runs eBPF with the semantics of RFC 9669
  The interpreter is the reference runtime: exact 64-bit arithmetic, the RFC's
  division rules, zero-extending 32-bit ops, and bounds-checked memory.

  Scenario: A program returns a constant
    Given the program:
      """
      r0 = 42
      exit
      """
    When it runs on the "interp" engine
    Then the return value is "0x2a"
    And the kernel agrees

  Scenario: Division by zero gives zero and modulo by zero keeps the dividend
    Given the program:
      """
      r1 = 0
      r0 = 7
      r0 /= r1
      r2 = 9
      r2 %= r1
      r0 += r2
      exit
      """
    When it runs on the "interp" engine
    Then the return value is "9"
    And the kernel agrees

  Scenario: 32-bit operations zero-extend into the upper half
    Given the program:
      """
      r0 = -1
      w0 += 1
      w0 -= 1
      exit
      """
    When it runs on the "interp" engine
    Then the return value is "0xffffffff"
    And the kernel agrees

  Scenario: Signed division of INT64_MIN by -1 is INT64_MIN
    Given the ubpf program:
      """
      lddw %r0, 0x8000000000000000
      sdiv %r0, -1
      exit
      """
    When it runs on the "interp" engine
    Then the return value is "0x8000000000000000"

  Scenario: Reading past the memory it was given is a runtime error, not a wrong answer
    Given the ubpf program:
      """
      ldxdw %r0, [%r1+8]
      exit
      """
    And the memory "00 11 22 33"
    When it runs on the "interp" engine
    Then the run fails with an error containing "pc 0"

  Scenario: A runaway loop ends with the instruction budget
    Given the ubpf program:
      """
      ja -1
      exit
      """
    When it runs on the "interp" engine
    Then the run fails with an error containing "budget"

  Scenario: Memory bytes arrive in r1 with their length in r2
    Given the ubpf program:
      """
      ldxb %r0, [%r1+2]
      add %r0, %r2
      exit
      """
    And the memory "00 01 40 03"
    When it runs on the "interp" engine
    Then the return value is "0x44"
