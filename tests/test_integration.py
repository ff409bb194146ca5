"""skdense inside scikit-learn's machinery: pipelines, column transformers, CV, search, routing."""

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skdense import DenseRegressor, MLPClassifier, SoftmaxClassifier

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def mixed_frame():
    rng = np.random.default_rng(0)
    n = 240
    frame = pd.DataFrame(
        {
            "size": rng.normal(50, 10, n),
            "age": rng.uniform(0, 30, n),
            "city": rng.choice(["oslo", "lima", "pune", "kyiv"], n),
        }
    )
    score = (frame["size"] - 50) / 10 - (frame["age"] - 15) / 10 + (frame["city"] == "oslo") * 1.5
    return frame, np.where(score > 0.3, "yes", "no"), score.to_numpy()


def _column_transformer(sparse):
    return ColumnTransformer(
        [
            ("numeric", StandardScaler(), ["size", "age"]),
            ("category", OneHotEncoder(sparse_output=sparse), ["city"]),
        ],
        sparse_threshold=1.0 if sparse else 0.0,
    )


def test_estimator_types_are_recognised():
    """scikeras's KerasClassifier fails is_classifier on scikit-learn >= 1.6."""
    assert is_classifier(MLPClassifier()) and is_classifier(SoftmaxClassifier())
    assert is_regressor(DenseRegressor())


@pytest.mark.parametrize("sparse", [True, False], ids=["sparse", "dense"])
def test_column_transformer_pipeline_on_pandas(mixed_frame, sparse):
    frame, labels, _ = mixed_frame
    pipe = make_pipeline(
        _column_transformer(sparse),
        MLPClassifier((16,), max_iter=60, learning_rate_init=0.01, random_state=0),
    )
    assert sparse == bool(hasattr(pipe[:-1].fit_transform(frame), "tocsr"))
    pipe.fit(frame, labels)
    assert pipe.score(frame, labels) > 0.9
    assert list(pipe[-1].classes_) == ["no", "yes"]


def test_sparse_and_dense_input_train_the_same_network(mixed_frame):
    frame, labels, _ = mixed_frame
    fits = [
        make_pipeline(_column_transformer(s), SoftmaxClassifier(max_iter=20, random_state=0))
        .fit(frame, labels)
        .predict_proba(frame)
        for s in (True, False)
    ]
    np.testing.assert_allclose(fits[0], fits[1], atol=1e-5)


def test_sparse_input_is_densified_block_by_block(monkeypatch, mixed_frame):
    """A sparse matrix is never densified whole: blocks of a few batches at a time."""
    import scipy.sparse as sp

    from skdense import _training

    seen_rows = []
    original = sp.csr_matrix.toarray

    def recording_toarray(self, *args, **kwargs):
        seen_rows.append(self.shape[0])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(_training, "_SPARSE_BLOCK_CELLS", 6 * 32 * 4)  # 4 batches of 32 rows
    monkeypatch.setattr(sp.csr_matrix, "toarray", recording_toarray)
    frame, labels, _ = mixed_frame
    X = sp.csr_matrix(_column_transformer(False).fit_transform(frame))
    SoftmaxClassifier(max_iter=1, batch_size=32, random_state=0).fit(X, labels)
    assert seen_rows and max(seen_rows) <= 128 < X.shape[0]


def test_feature_names_are_kept_and_checked(mixed_frame):
    frame, _, target = mixed_frame
    numeric = frame[["size", "age"]]
    reg = DenseRegressor((8,), max_iter=5, random_state=0).fit(numeric, target)
    np.testing.assert_array_equal(reg.feature_names_in_, ["size", "age"])
    with pytest.warns(UserWarning, match="feature names"):
        reg.predict(numeric.to_numpy())
    with pytest.raises(ValueError, match="feature names"):
        reg.predict(numeric[["age", "size"]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float32_and_float64_alike(multiclass_data, dtype):
    X, y = multiclass_data
    clf = SoftmaxClassifier(max_iter=30, random_state=0).fit(X.astype(dtype), y)
    reference = SoftmaxClassifier(max_iter=30, random_state=0).fit(X.astype(np.float32), y)
    np.testing.assert_allclose(clf.predict_proba(X), reference.predict_proba(X), atol=1e-6)


def test_cross_val_score_with_kfold(regression_data):
    X, y = regression_data
    scores = cross_val_score(
        make_pipeline(
            StandardScaler(),
            DenseRegressor((16,), max_iter=60, learning_rate_init=0.01, random_state=0),
        ),
        X,
        y,
        cv=KFold(5, shuffle=True, random_state=0),
    )
    assert scores.shape == (5,) and scores.min() > 0.8


def test_grid_search_over_solver_size_and_regularization(multiclass_data):
    X, y = multiclass_data
    search = GridSearchCV(
        MLPClassifier(max_iter=20, random_state=0, learning_rate_init=0.01),
        {
            "solver": ["adam", "sgd"],
            "hidden_layer_sizes": [(4,), (32,)],
            "alpha": [1e-4, 1.0],
            "dropout": [0.0, 0.2],
        },
        cv=3,
    )
    search.fit(X, y)
    assert len(search.cv_results_["params"]) == 16
    assert search.best_score_ > 0.9
    assert search.best_estimator_.n_iter_ > 0
    # stratified folds are used because the estimator is a classifier
    assert "Stratified" in type(search.cv).__name__ or search.cv == 3


def test_clone_of_fitted_is_unfitted(multiclass_data):
    clf = MLPClassifier((8,), max_iter=2, random_state=0).fit(*multiclass_data)
    copy = clone(clf)
    assert not hasattr(copy, "coefs_")
    assert copy.get_params() == clf.get_params()


@pytest.fixture
def routing():
    sklearn.set_config(enable_metadata_routing=True)
    yield
    sklearn.set_config(enable_metadata_routing=False)


def test_sample_weight_is_routed_through_pipeline_cv_and_search(binary_data, routing):
    X, y = binary_data
    weights = np.where(y == 1, 20.0, 1.0)  # heavy positives shift predictions towards 1

    def network():
        network = MLPClassifier((8,), max_iter=20, learning_rate_init=0.01, random_state=0)
        # weighted scores too: cross_validate passes the weights to fit and to score
        return network.set_fit_request(sample_weight=True).set_score_request(sample_weight=True)

    def scaler():
        return StandardScaler().set_fit_request(sample_weight=False)

    plain = make_pipeline(scaler(), network()).fit(X, y)
    weighted = make_pipeline(scaler(), network()).fit(X, y, sample_weight=weights)
    assert weighted.predict_proba(X)[:, 1].mean() > plain.predict_proba(X)[:, 1].mean() + 0.05

    results = cross_validate(
        make_pipeline(scaler(), network()), X, y, params={"sample_weight": weights}, cv=3
    )
    unweighted = cross_validate(make_pipeline(scaler(), network()), X, y, cv=3)
    assert np.all(np.isfinite(results["test_score"]))  # a routing error scores NaN
    assert not np.allclose(results["test_score"], unweighted["test_score"])

    search = GridSearchCV(network(), {"alpha": [1e-4, 1e-2]}, cv=3)
    search.fit(X, y, sample_weight=weights)
    assert search.best_estimator_.predict(X).sum() > plain.predict(X).sum()


def test_gridsearch_keeps_convergence_warnings_visible(multiclass_data):
    with pytest.warns(ConvergenceWarning):
        MLPClassifier((4,), max_iter=1).fit(*multiclass_data)
