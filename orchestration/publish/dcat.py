"""The catalogue as DCAT-AP 3 in RDF, built with rdflib: JSON-LD for harvesters and the static
open_data/catalog.json, Turtle for people and triple stores.

Titles and descriptions are language-tagged (zh, en); frequency, licence, access rights, file
types and themes are IRIs from the EU Publications Office vocabularies, which DCAT-AP requires;
publishers and contact points are nodes; every distribution has an absolute downloadURL under
CITYBASE_PUBLIC_URL (the sharing service serves those paths).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, SKOS, XSD

from orchestration.publish.datasets import OpenDataset
from orchestration.publish.releases import Release

EU = "http://publications.europa.eu/resource/authority/"
SPDX = Namespace("http://spdx.org/rdf/terms#")
DCAT_VERSION = URIRef(f"{DCAT}version")  # DCAT 3; rdflib's DCAT namespace is DCAT 2
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
LICENCE = URIRef(f"{EU}licence/CC_BY_4_0")
LANGUAGES = (URIRef(f"{EU}language/ZHO"), URIRef(f"{EU}language/ENG"))
FREQUENCY = {
    "hourly": "HOURLY",
    "daily": "DAILY",
    "weekly": "WEEKLY",
    "monthly": "MONTHLY",
    "quarterly": "QUARTERLY",
    "annual": "ANNUAL",
    "irregular": "IRREG",
}
ACCESS_RIGHTS = {"unconditional": "PUBLIC", "conditional": "RESTRICTED", "not_open": "NON_PUBLIC"}
# The city's themes (as the models' meta.open_data.theme names them) on the EU data themes.
THEMES = {
    "交通出行": "TRAN",
    "人口与社会": "SOCI",
    "文化旅游": "EDUC",
    "医疗卫生": "HEAL",
    "政务服务": "GOVE",
    "城市管理": "GOVE",
    "生态环境": "ENVI",
}
FILE_TYPES = {"csv": "CSV", "parquet": "PARQUET"}
MEDIA_TYPES = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet"}
FORMATS = ("csv", "parquet")
CONTEXT = {
    "dcat": str(DCAT),
    "dct": str(DCTERMS),
    "foaf": str(FOAF),
    "vcard": str(VCARD),
    "skos": str(SKOS),
    "spdx": str(SPDX),
    "xsd": str(XSD),
}


def dataset_iri(base: str, dataset_id: str) -> URIRef:
    return URIRef(f"{base}/dataset/{dataset_id}")


def download_url(base: str, dataset: OpenDataset, fmt: str) -> str:
    """Open data lies under /open-data/ for everyone; conditional files under /share/, for
    consumers with a grant."""
    area = "open-data" if dataset.openness == "unconditional" else "share"
    return f"{base}/{area}/{dataset.id}/{dataset.id}.{fmt}"


def _texts(graph: Graph, node, predicate, zh: str, en: str) -> None:
    graph.add((node, predicate, Literal(zh, lang="zh")))
    graph.add((node, predicate, Literal(en, lang="en")))


def _agent(graph: Graph, base: str, bureau: str, names: dict[str, str]) -> URIRef:
    agent = URIRef(f"{base}/organization/{bureau}")
    graph.add((agent, RDF.type, FOAF.Agent))
    _texts(graph, agent, FOAF.name, names["zh"], names["en"])
    graph.add((agent, DCTERMS.identifier, Literal(bureau)))
    return agent


def _contact(graph: Graph, dataset_node: URIRef, contact: str, names: dict[str, str]) -> None:
    """The contract's contact ("数据科 data@bureau.example.cn") as a vCard: the office's name
    (or the bureau's) and its address."""
    card = BNode()
    graph.add((card, RDF.type, VCARD.Organization))
    email = EMAIL.search(contact)
    office = (EMAIL.sub("", contact) if email else contact).strip()
    if office:
        graph.add((card, VCARD.fn, Literal(office, lang="zh")))
    else:
        _texts(graph, card, VCARD.fn, names["zh"], names["en"])
    if email:
        graph.add((card, VCARD.hasEmail, URIRef(f"mailto:{email.group()}")))
    graph.add((dataset_node, DCAT.contactPoint, card))


def _distribution(graph: Graph, base: str, dataset: OpenDataset, release: Release, fmt: str):
    file = release.info["files"][fmt]
    node = URIRef(f"{dataset_iri(base, dataset.id)}/{fmt}")
    graph.add((node, RDF.type, DCAT.Distribution))
    _texts(graph, node, DCTERMS.title, f"{dataset.title}（{fmt.upper()}）", dataset.title_en)
    graph.add((node, DCAT.accessURL, URIRef(f"{base}/api/3/action/package_show?id={dataset.id}")))
    graph.add((node, DCAT.downloadURL, URIRef(download_url(base, dataset, fmt))))
    graph.add((node, DCTERMS.format, URIRef(f"{EU}file-type/{FILE_TYPES[fmt]}")))
    graph.add(
        (
            node,
            DCAT.mediaType,
            URIRef(f"https://www.iana.org/assignments/media-types/{MEDIA_TYPES[fmt]}"),
        )
    )
    graph.add((node, DCTERMS.license, LICENCE))
    graph.add((node, DCAT.byteSize, Literal(file["bytes"], datatype=XSD.nonNegativeInteger)))
    checksum = BNode()
    graph.add((checksum, RDF.type, SPDX.Checksum))
    graph.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
    graph.add((checksum, SPDX.checksumValue, Literal(file["sha256"], datatype=XSD.hexBinary)))
    graph.add((node, SPDX.checksum, checksum))
    modified = Literal(release.info["published_at"], datatype=XSD.dateTime)
    graph.add((node, DCTERMS.modified, modified))
    return node


def _dataset(
    graph: Graph,
    base: str,
    dataset: OpenDataset,
    release: Release,
    publisher: URIRef,
    contact: str,
    names: dict[str, str],
) -> URIRef:
    node, info = dataset_iri(base, dataset.id), release.info
    graph.add((node, RDF.type, DCAT.Dataset))
    graph.add((node, DCTERMS.identifier, Literal(dataset.id)))
    graph.add((node, DCAT_VERSION, Literal(release.id)))  # the release served now
    _texts(graph, node, DCTERMS.title, dataset.title, dataset.title_en)
    _texts(graph, node, DCTERMS.description, dataset.description, dataset.description_en)
    graph.add((node, DCTERMS.publisher, publisher))
    _contact(graph, node, contact, names)
    for keyword in dataset.keywords:
        graph.add((node, DCAT.keyword, Literal(keyword)))
    if dataset.theme in THEMES:
        graph.add((node, DCAT.theme, URIRef(f"{EU}data-theme/{THEMES[dataset.theme]}")))
    frequency = FREQUENCY.get(dataset.update_frequency, "UNKNOWN")
    graph.add((node, DCTERMS.accrualPeriodicity, URIRef(f"{EU}frequency/{frequency}")))
    rights = ACCESS_RIGHTS[dataset.openness]
    graph.add((node, DCTERMS.accessRights, URIRef(f"{EU}access-right/{rights}")))
    for language in LANGUAGES:
        graph.add((node, DCTERMS.language, language))
    issued = info.get("first_issued", info["published_at"])
    graph.add((node, DCTERMS.issued, Literal(issued, datatype=XSD.dateTime)))
    graph.add((node, DCTERMS.modified, Literal(info["published_at"], datatype=XSD.dateTime)))
    if temporal := info.get("temporal"):
        period = BNode()
        graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
        graph.add((period, DCAT.startDate, Literal(temporal["startDate"], datatype=XSD.date)))
        graph.add((period, DCAT.endDate, Literal(temporal["endDate"], datatype=XSD.date)))
        graph.add((node, DCTERMS.temporal, period))
    if spatial := info.get("spatial"):
        place = URIRef(f"{base}/division/{spatial['code']}")
        graph.add((place, RDF.type, DCTERMS.Location))
        graph.add((place, SKOS.prefLabel, Literal(spatial["name"], lang="zh")))
        graph.add((place, SKOS.notation, Literal(spatial["code"])))
        graph.add((node, DCTERMS.spatial, place))
    if dataset.suppression:
        graph.add((node, DCTERMS.conformsTo, Literal(dataset.suppression.rule(), lang="en")))
    for fmt in FORMATS:
        graph.add((node, DCAT.distribution, _distribution(graph, base, dataset, release, fmt)))
    return node


def catalog_graph(
    served: Iterable[tuple[OpenDataset, Release]],
    *,
    base: str,
    title: tuple[str, str],
    bureaus: dict[str, dict[str, str]],
    contacts: dict[str, str],
    modified: str,
) -> Graph:
    """One dcat:Catalog holding every served dataset, as an rdflib graph."""
    graph = Graph(bind_namespaces="none")
    for prefix, namespace in CONTEXT.items():
        graph.bind(prefix, Namespace(namespace))
    catalog = URIRef(f"{base}/catalog")
    graph.add((catalog, RDF.type, DCAT.Catalog))
    _texts(graph, catalog, DCTERMS.title, *title)
    _texts(
        graph,
        catalog,
        DCTERMS.description,
        "城市数据底座发布的经审核的数据集。",
        "Audited datasets published by the city data foundation.",
    )
    graph.add((catalog, FOAF.homepage, URIRef(f"{base}/")))
    graph.add((catalog, DCTERMS.license, LICENCE))
    graph.add((catalog, DCTERMS.modified, Literal(modified, datatype=XSD.dateTime)))
    for language in LANGUAGES:
        graph.add((catalog, DCTERMS.language, language))
    operator = _agent(graph, base, "citybase", {"zh": "城市数据底座", "en": "citybase"})
    graph.add((catalog, DCTERMS.publisher, operator))
    publishers: dict[str, URIRef] = {}
    for dataset, release in served:
        names = bureaus.get(dataset.bureau, {"zh": dataset.bureau, "en": dataset.bureau})
        if dataset.bureau not in publishers:
            publishers[dataset.bureau] = _agent(graph, base, dataset.bureau, names)
        node = _dataset(
            graph,
            base,
            dataset,
            release,
            publishers[dataset.bureau],
            contacts.get(dataset.bureau, ""),
            names,
        )
        graph.add((catalog, DCAT.dataset, node))
    return graph


def as_jsonld(graph: Graph) -> str:
    return graph.serialize(format="json-ld", context=CONTEXT, indent=2, ensure_ascii=False)


def as_turtle(graph: Graph) -> str:
    return graph.serialize(format="turtle")
