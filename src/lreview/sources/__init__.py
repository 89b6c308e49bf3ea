"""Sources: turn what a database gives (E-utilities XML, RIS, MEDLINE, CSV exports) into `Record`s."""
