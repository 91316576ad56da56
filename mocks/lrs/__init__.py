"""The mock LRS (xAPI 1.0.3 and 2.0): the reference LRS the ``xapi-lrs`` profiles pass against, and the LRS the mock 学習アプリ reports to."""
