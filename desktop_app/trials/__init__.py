"""What a person does to a trial (right-click in the table): a table of actions, each with
the condition that enables it."""
