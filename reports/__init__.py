"""Reports for coordinators: status views, the ledger (台账) and charts."""
