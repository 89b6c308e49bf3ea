"""Sources: everything that turns a database's output (E-utilities, export files) into `Record`s."""
