from officina.projects.tests.fixtures import chiara, shop

__all__ = ["chiara", "shop"]
