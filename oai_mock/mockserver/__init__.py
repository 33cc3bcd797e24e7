"""oai_mock.mockserver"""
