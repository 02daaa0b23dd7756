"""Small widgets and pictures that several rooms of the window draw with."""
