Feature: YAML program specs run on every engine
  A spec names a program, its input and what a user expects; scenarios can
  load one and hold any engine to it, with Linux as the referee.

  Scenario: The default exception callback returns the cookie, on the interpreter and on Linux
    Given the spec "specs/throw-default-callback-returns-cookie.yaml"
    When it runs on the "interp" engine
    Then the return value is "7"
    And the kernel agrees

  Scenario: An assert-style throw bounds the value on the path that goes on
    Given the spec "specs/throw-assert-not-taken.yaml"
    When it is loaded by the "verifier" engine
    Then the verdict is "accept"
    And the kernel agrees

  Scenario: A rejected spec program carries the kernel's message in our verifier too
    Given the spec "specs/reject-stack-below-512.yaml"
    When it is loaded by the "verifier" engine
    Then the verdict is "reject"
    And the error line is "invalid write to stack R10 off=-520 size=8"
    And the kernel agrees
