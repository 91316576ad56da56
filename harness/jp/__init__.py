"""Japanese public codes every standard uses: MEXT 学校コード (with its check digit), 教育委員会
codes, grade and subject codes."""
