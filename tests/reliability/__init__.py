"""The reliability suite: fuzzing, races, crashes, a lost database, isolation."""
