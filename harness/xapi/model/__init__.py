"""The xAPI data model, written once: the statement rules the LRS checks, the statement-file checks and the mock LRS share."""
