"""The catalogue is DCAT-AP that RDF tools read: rdflib parses the static catalog.json (JSON-LD)
and finds every served dataset with DCAT-AP's mandatory and recommended properties."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF

from orchestration.publish.datasets import open_datasets
from orchestration.publish.releases import current
from orchestration.publish.run import destination
from tests.conftest import TwoNights

EU = "http://publications.europa.eu/resource/authority/"
SPDX = "http://spdx.org/rdf/terms#"
DATASET_PROPERTIES = (
    DCTERMS.title,
    DCTERMS.description,
    DCTERMS.publisher,
    DCAT.contactPoint,
    DCAT.distribution,
    DCAT.keyword,
    DCAT.theme,
    DCTERMS.accrualPeriodicity,
    DCTERMS.accessRights,
    DCTERMS.issued,
    DCTERMS.modified,
    DCTERMS.identifier,
    DCTERMS.spatial,
)
DISTRIBUTION_PROPERTIES = (
    DCAT.accessURL,
    DCAT.downloadURL,
    DCTERMS.format,
    DCAT.mediaType,
    DCTERMS.license,
    DCAT.byteSize,
    URIRef(f"{SPDX}checksum"),
)


def _languages(graph: Graph, node, predicate) -> set[str]:
    return {o.language for o in graph.objects(node, predicate) if isinstance(o, Literal)}


@pytest.mark.slow
def test_the_catalogue_is_dcat_ap_with_every_served_dataset(two_nights: TwoNights) -> None:
    home = two_nights.home
    for root, rights in ((home.open_data, "PUBLIC"), (home.conditional_share, "RESTRICTED")):
        graph = Graph().parse(root / "catalog.json", format="json-ld")
        served = {
            d.id
            for d in open_datasets()
            if destination(home, d) == root and current(root, d.id) is not None
        }
        (catalog,) = graph.subjects(RDF.type, DCAT.Catalog)
        assert _languages(graph, catalog, DCTERMS.title) == {"zh", "en"}
        assert (graph.value(catalog, DCTERMS.publisher), RDF.type, FOAF.Agent) in graph
        datasets = set(graph.objects(catalog, DCAT.dataset))
        assert {str(graph.value(d, DCTERMS.identifier)) for d in datasets} == served
        for dataset in datasets:
            assert (dataset, RDF.type, DCAT.Dataset) in graph
            missing = [p for p in DATASET_PROPERTIES if graph.value(dataset, p) is None]
            assert missing == [], f"{dataset} lacks {missing}"
            for text in (DCTERMS.title, DCTERMS.description):
                assert _languages(graph, dataset, text) == {"zh", "en"}
            assert str(graph.value(dataset, DCTERMS.accessRights)) == f"{EU}access-right/{rights}"
            assert str(graph.value(dataset, DCTERMS.accrualPeriodicity)).startswith(
                f"{EU}frequency/"
            )
            assert (graph.value(dataset, DCTERMS.publisher), RDF.type, FOAF.Agent) in graph
            distributions = list(graph.objects(dataset, DCAT.distribution))
            assert len(distributions) == 2
            for distribution in distributions:
                lacking = [p for p in DISTRIBUTION_PROPERTIES if not graph.value(distribution, p)]
                assert lacking == [], f"{distribution} lacks {lacking}"
                url = str(graph.value(distribution, DCAT.downloadURL))
                assert url.startswith("http://") and url.endswith((".csv", ".parquet"))
