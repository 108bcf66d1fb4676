// Progressive enhancement only: every link and anchor works without this file.
