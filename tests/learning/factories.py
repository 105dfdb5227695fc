import factory

from learning.models import Difficulty, Module, Problem


class ModuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Module

    slug = factory.Sequence(lambda n: f"module-{n}")
    title = factory.Sequence(lambda n: f"Module {n}")
    description = "Practice makes progress."
    display_order = factory.Sequence(int)


class ProblemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Problem

    module = factory.SubFactory(ModuleFactory)
    slug = factory.Sequence(lambda n: f"problem-{n}")
    title = factory.Sequence(lambda n: f"Problem {n}")
    statement = "What is **1/2 + 1/4**?"
    difficulty = Difficulty.BEGINNER
    judge_kind = "numeric"
    judge_config = factory.LazyFunction(lambda: {"answer": "3/4"})
    hint = "Quarters."
    explanation = "1/2 is 2/4, and 2/4 + 1/4 = 3/4."
    display_order = factory.Sequence(int)
