"""Report writers (PDF, spreadsheets, EPCIS, labels) fed with domain result dataclasses."""
