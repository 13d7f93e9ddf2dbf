"""Reading plan documents of the genre: measures, departments, who leads what."""
