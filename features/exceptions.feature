Feature: BPF exceptions behave as in Linux
  bpf_throw unwinds every frame and ends the program through the exception
  callback named by the main program's `exception_callback:<name>` decl tag,
  or through the kernel's hidden default callback, which returns the cookie.
  Every verdict of our verifier model is checked against the live kernel.

  Scenario: A throw is handled by the program's exception callback
    Given the object "fixtures/obj/exc_valid.bpf.o" program "throw_with_cb"
    And a packet of 1500 zero bytes
    When it is loaded by the "kernel" engine
    Then the verdict is "accept"
    And the return value is "116"

  Scenario: Without a throw the program returns normally
    Given the object "fixtures/obj/exc_valid.bpf.o" program "throw_with_cb"
    And a packet of 64 zero bytes
    When it is loaded by the "kernel" engine
    Then the return value is "0"

  Scenario: Without a callback the default one returns the cookie
    Given the object "fixtures/obj/exc_no_cb.bpf.o" program "throw_no_cb"
    And a packet of 1500 zero bytes
    When it is loaded by the "kernel" engine
    Then the verdict is "accept"
    And the return value is "1"

  Scenario: A throw in a static subprogram reaches the main program's callback
    Given the object "fixtures/obj/exc_subprog_throw.bpf.o" program "subprog_throws"
    And a packet of 1500 zero bytes
    When it is loaded by the "kernel" engine
    Then the return value is "8"

  Scenario Outline: The verifier model accepts valid exception programs as Linux does
    Given the object "fixtures/obj/<object>.bpf.o" program "<program>"
    When it is loaded by the "verifier" engine
    Then the verdict is "accept"
    And the kernel agrees

    Examples:
      | object            | program                     |
      | exc_valid         | throw_with_cb               |
      | exc_no_cb         | throw_no_cb                 |
      | exc_subprog_throw | subprog_throws              |
      | exc_subprog_throw | static_subprog_throws_no_cb |

  Scenario Outline: The verifier model rejects broken exception programs with the kernel's message
    Given the object "fixtures/obj/<object>.bpf.o" program "<program>"
    When it is loaded by the "verifier" engine
    Then the verdict is "reject"
    And the error line is "<message>"
    And the kernel agrees

    Examples:
      | object         | program         | message                                                            |
      | exc_two_tags   | throw_two_tags  | multiple exception callback tags for main subprog                  |
      | exc_cb_called  | throw_cb_called | insn 7 cannot call exception cb directly                           |
      | exc_cb_bad_sig | throw_bad_sig   | exception cb only supports single integer argument                 |
      | exc_loop_throw | throw_in_loop   | bpf_throw kfunc (insn 16) cannot be called from callback subprog 1 |
      | exc_lock_throw | throw_holding_lock | function calls are not allowed while holding a lock            |
      | exc_ref_throw  | throw_holding_ringbuf | bpf_throw would lead to reference leak                      |
      | exc_ref_throw  | throw_holding_task | bpf_throw would lead to reference leak                          |

  Scenario Outline: A kernel variable ld_imm64 needs its address from kallsyms: the model asks the host as the kernel does
    Given the object "fixtures/obj/<object>.bpf.o" program "<program>"
    When it is loaded by the "verifier" engine
    Then the verdict is "reject"
    And the error line is "<kernel message>"
    And the kernel agrees

    Examples:
      | object | program     | kernel message                                                          |
      | core   | ksym_percpu | ldimm64 failed to find the address for kernel symbol 'bpf_prog_active'. |

  Scenario Outline: libbpf refuses bad exception callback tags before the kernel sees them
    Given the object "fixtures/obj/<object>.bpf.o" program "<program>"
    Then building the program fails with "<message>"

    Examples:
      | object         | program          | message                                                                              |
      | exc_static_cb  | throw_static_cb  | prog 'throw_static_cb': exception callback static_cb must be a global non-hidden function |
      | exc_hidden_cb  | throw_hidden_cb  | prog 'throw_hidden_cb': exception callback hidden_cb must be a global non-hidden function |
      | exc_missing_cb | throw_missing_cb | prog 'throw_missing_cb': cannot find exception callback 'no_such_callback'            |
      | exc_empty_tag  | throw_empty_tag  | prog 'throw_empty_tag': exception_callback:<value> decl tag contains empty value      |
