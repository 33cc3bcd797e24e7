"""oai_mock.client"""
