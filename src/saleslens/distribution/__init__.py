"""Distribution: who receives a report on a run date, and what each role level's query is."""
