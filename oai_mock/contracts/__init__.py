"""oai_mock.contracts"""
