# Mirrors the extension and tracing subtests of prog_tests/exceptions.c
# (RUN_EXT, 25 subtests) with the programs of
# tools/testing/selftests/bpf/progs/exceptions_ext.c. Our own programs: the
# extensions and tracing programs in fixtures/src/exc_st_ext.bpf.c, their
# targets in fixtures/src/exc_st_run.bpf.c. Column "selftest" is the subtest's
# name; "expected" is what the selftest expects of the kernel.
#
# None of them can be checked on this machine: every tracing (fentry, fexit,
# fmod_ret) and extension (freplace) load is refused with EPERM and an empty
# log on this kernel (6.18.44-fc, built without ftrace), whether it names a
# vmlinux function or a function of a loaded BPF program (attach_prog_fd and
# the function's BTF id, tried for each kind against exc_st_run.bpf.o); and the
# verifier model does not check attach targets in BPF programs. Each scenario
# checks that its target exists and records why no engine applies.
Feature: The kernel's extension and fentry selftests around exceptions
  Tracing programs may not attach to an exception callback; extensions may
  replace only global functions, not the exception callback itself, but may
  replace a global function the callback calls, and may throw; fmod_ret may
  not attach to a BPF program.

  Scenario Outline: <selftest> (expected: <expected>)
    Given the object "fixtures/obj/exc_st_ext.bpf.o" program "<program>"
    And its attach target is "<function>" of "fixtures/obj/exc_st_run.bpf.o" program "<target>"
    But the "kernel" engine cannot apply: tracing and extension loads are refused with EPERM and an empty log on this kernel (no ftrace), with a BPF program as target too
    But the "verifier" engine cannot apply: <model>
    But the "interp" engine cannot apply: the kernel refuses the load, there is nothing to run
    But the "jit" engine cannot apply: the kernel refuses the load, there is nothing to run

    Examples: tracing programs on the exception callback
      | selftest                                             | program          | target            | function        | expected | model |
      | non-throwing fentry -> exception_cb                  | st_fentry_quiet  | st_cb_hook_target | cb_through_hook | EINVAL: FENTRY/FEXIT programs cannot attach to exception callback | not modelled yet: attach targets in BPF programs (attach_prog_fd) |
      | throwing fentry -> exception_cb                      | st_fentry_throws | st_cb_hook_target | cb_through_hook | EINVAL: FENTRY/FEXIT programs cannot attach to exception callback | not modelled yet: attach targets in BPF programs (attach_prog_fd) |
      | non-throwing fexit -> exception_cb                   | st_fexit_quiet   | st_cb_hook_target | cb_through_hook | EINVAL: FENTRY/FEXIT programs cannot attach to exception callback | not modelled yet: attach targets in BPF programs (attach_prog_fd) |
      | throwing fexit -> exception_cb                       | st_fexit_throws  | st_cb_hook_target | cb_through_hook | EINVAL: FENTRY/FEXIT programs cannot attach to exception callback | not modelled yet: attach targets in BPF programs (attach_prog_fd) |

    Examples: extensions on the exception callback and on functions it calls
      | selftest                                                           | program          | target            | function        | expected | model |
      | throwing extension (with custom cb) -> exception_cb                | st_ext_cb_throws | st_cb_hook_target | cb_through_hook | EINVAL: Extension programs cannot attach to exception callback | not modelled yet: freplace (ext) programs |
      | throwing extension -> global func in exception_cb                  | st_ext_cb_throws | st_cb_hook_target | cb_hook         | loads; after attaching, the target returns 131 | not modelled yet: freplace (ext) programs |
      | throwing extension (with custom cb) -> global func in exception_cb | st_ext_throws    | st_ext_target     | replaceable     | loads; after attaching, the target returns 128 | not modelled yet: freplace (ext) programs |

    Examples: fentry and fexit on subprograms that throw or not
      | selftest                                 | program          | target          | function        | expected | model |
      | non-throwing fentry -> non-throwing subprog | st_fentry_quiet  | st_subprog_menu | quiet_static    | loads and attaches | not modelled yet: attach targets in BPF programs (attach_prog_fd) |
      | throwing fentry -> non-throwing subprog  | st_fentry_throws | st_subprog_menu | quiet_static    | loads and attaches | not modelled yet: attach targets in BPF programs (attach_prog_fd) |
      | non-throwing fentry -> throwing subprog  | st_fentry_quiet  | st_subprog_menu | throwing_static | loads and attaches | not modelled yet: attach targets in BPF programs (attach_prog_fd) |
      | throwing fentry -> throwing subprog      | st_fentry_throws | st_subprog_menu | throwing_static | loads and attaches | not modelled yet: attach targets in BPF programs (attach_prog_fd) |
      | non-throwing fexit -> non-throwing subprog | st_fexit_quiet   | st_subprog_menu | quiet_static    | loads and attaches | not modelled yet: attach targets in BPF programs (attach_prog_fd) |
      | throwing fexit -> non-throwing subprog   | st_fexit_throws  | st_subprog_menu | quiet_static    | loads and attaches | not modelled yet: attach targets in BPF programs (attach_prog_fd) |
      | non-throwing fexit -> throwing subprog   | st_fexit_quiet   | st_subprog_menu | throwing_static | loads and attaches | not modelled yet: attach targets in BPF programs (attach_prog_fd) |
      | throwing fexit -> throwing subprog       | st_fexit_throws  | st_subprog_menu | throwing_static | loads and attaches | not modelled yet: attach targets in BPF programs (attach_prog_fd) |

    Examples: fmod_ret may not modify a BPF program's return value
      | selftest                                            | program           | target          | function     | expected | model |
      | non-throwing fmod_ret -> non-throwing subprog        | st_fmod_ret_quiet | st_subprog_menu | quiet_static | EINVAL: can't modify return codes of BPF program | not modelled yet: attach targets in BPF programs (attach_prog_fd) |
      | non-throwing fmod_ret -> non-throwing global subprog | st_fmod_ret_quiet | st_subprog_menu | quiet_global | EINVAL: can't modify return codes of BPF program | not modelled yet: attach targets in BPF programs (attach_prog_fd) |

    Examples: extensions replace global functions only, throwing or not
      | selftest                                             | program       | target          | function                | expected | model |
      | non-throwing extension -> non-throwing subprog       | st_ext_quiet  | st_subprog_menu | quiet_static            | EINVAL: quiet_static() is not a global function | not modelled yet: freplace (ext) programs |
      | non-throwing extension -> throwing subprog           | st_ext_quiet  | st_subprog_menu | throwing_static         | EINVAL: throwing_static() is not a global function | not modelled yet: freplace (ext) programs |
      | non-throwing extension -> non-throwing global subprog | st_ext_quiet  | st_subprog_menu | quiet_global            | loads and attaches | not modelled yet: freplace (ext) programs |
      | non-throwing extension -> throwing global subprog    | st_ext_quiet  | st_subprog_menu | throwing_global         | loads and attaches | not modelled yet: freplace (ext) programs |
      | throwing extension -> throwing global subprog        | st_ext_throws | st_subprog_menu | throwing_global         | loads and attaches | not modelled yet: freplace (ext) programs |
      | throwing extension -> non-throwing global subprog    | st_ext_throws | st_subprog_menu | quiet_global            | loads and attaches | not modelled yet: freplace (ext) programs |
      | non-throwing extension -> main subprog               | st_ext_quiet  | st_subprog_menu | st_subprog_menu         | loads and attaches | not modelled yet: freplace (ext) programs |
      | throwing extension -> main subprog                   | st_ext_throws | st_subprog_menu | st_subprog_menu         | loads and attaches | not modelled yet: freplace (ext) programs |
