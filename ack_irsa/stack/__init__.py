"""The stack program: stack files, their config schema, and the program that builds one stack.
May import: ``components``, ``spec``, ``catalog``, ``iam``, ``errors``."""
