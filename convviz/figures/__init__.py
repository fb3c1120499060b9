"""Figure builders (numpy only): the notes' data, counts and caption numbers, one module per figure family."""
