"""Controlled lists every domain shares: research fields, data types, ministries, access levels.

The registration forms (forms/) carry the full vocabularies; these are the codes the core checks.
"""
from __future__ import annotations

RESEARCH_FIELDS: dict[str, tuple[str, str]] = {
    "new_drugs": ("New drugs", "신약"),
    "medical_devices": ("Medical devices", "의료기기"),
    "seeds_livestock": ("Seeds and livestock", "종자·가축"),
    "smart_agriculture": ("Smart agriculture", "스마트농업"),
    "biochemicals_energy": ("Bio-chemicals and bio-energy", "바이오화학·에너지"),
    "infectious_disease": ("Infectious disease and vaccines", "감염병·백신"),
    "regenerative_medicine": ("Regenerative medicine and cell therapy", "재생의료·세포치료"),
    "precision_medicine": ("Precision medicine and genomic medicine", "정밀의료·유전체의학"),
    "brain_neuroscience": ("Brain and neuroscience", "뇌과학"),
    "synthetic_biology": ("Synthetic biology and biofoundry", "합성생물학·바이오파운드리"),
    "marine_bioresources": ("Marine bio-resources", "해양생명자원"),
    "forest_bioresources": ("Forest bio-resources", "산림생명자원"),
    "food_nutrition": ("Food and nutrition", "식품·영양"),
    "microbiome_environment": ("Microbiome and environment", "마이크로바이옴·환경"),
    "natural_products_cosmetics": ("Natural products and cosmetics", "천연물·화장품"),
}

DATA_TYPES: dict[str, tuple[str, str]] = {
    "genome_omics": ("Genome/omics", "유전체·오믹스"),
    "image": ("Image", "이미지"),
    "biochemical_analysis": ("Biochemical analysis", "생화학 분석"),
    "phenotype": ("Phenotype", "표현형"),
    "clinical_preclinical": ("Clinical and preclinical", "임상·비임상"),
    "molecular_structure": ("Molecular structure", "분자구조"),
    "chemical_reaction": ("Chemical reaction", "화학반응"),
}

MINISTRIES: dict[str, tuple[str, str]] = {
    "MSIT": ("Ministry of Science and ICT", "과학기술정보통신부"),
    "MOHW": ("Ministry of Health and Welfare", "보건복지부"),
    "MAFRA": ("Ministry of Agriculture, Food and Rural Affairs", "농림축산식품부"),
    "MOTIE": ("Ministry of Trade, Industry and Energy", "산업통상자원부"),
    "MOF": ("Ministry of Oceans and Fisheries", "해양수산부"),
    "ME": ("Ministry of Environment", "환경부"),
    "MFDS": ("Ministry of Food and Drug Safety", "식품의약품안전처"),
    "KDCA": ("Korea Disease Control and Prevention Agency", "질병관리청"),
    "RDA": ("Rural Development Administration", "농촌진흥청"),
    "KFS": ("Korea Forest Service", "산림청"),
    "MSS": ("Ministry of SMEs and Startups", "중소벤처기업부"),
}

ACCESS_LEVELS: dict[str, tuple[str, str]] = {
    "open": ("Open", "공개"),
    "embargoed": ("Embargoed", "엠바고"),
    "controlled": ("Controlled", "통제 접근"),
    "private": ("Private (My Lab Data)", "비공개(내 연구실 데이터)"),
}
