"""Sources: clients and importers that turn external data (PubMed, RIS, MEDLINE, CSV) into Records."""
