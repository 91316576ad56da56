"""The listing site for the 教育DXサービスマップ and anyone else: ``renkei publish`` (see ``build``)."""
