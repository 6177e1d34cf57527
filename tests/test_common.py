"""scikit-learn's full estimator contract, with no expected failures."""

import warnings

from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import parametrize_with_checks

from sknetscratch import ScratchMLPClassifier, ScratchMLPRegressor

ESTIMATORS = [
    ScratchMLPClassifier(max_iter=100, random_state=0),
    ScratchMLPRegressor(max_iter=100, random_state=0),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


def test_mixin_order_makes_them_a_classifier_and_a_regressor():
    from sklearn.base import is_classifier, is_regressor

    assert is_classifier(ScratchMLPClassifier())
    assert is_regressor(ScratchMLPRegressor())
    mro = ScratchMLPClassifier.__mro__
    from sklearn.base import BaseEstimator, ClassifierMixin

    assert mro.index(ClassifierMixin) < mro.index(BaseEstimator)
