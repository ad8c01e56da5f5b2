"""The built-in letter templates, one file per name and language (NAME.LANG.txt)."""
