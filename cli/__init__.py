"""The `kembar` command line: the composition root of every Kembar process."""
