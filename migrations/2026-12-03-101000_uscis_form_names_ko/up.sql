-- USCIS form names in Korean, for Korean readers (SPEC "Working screens": USCIS form
-- names in the user's language). A form without one is shown by its English name.
ALTER TABLE uscis_fees ADD COLUMN name_ko TEXT CHECK (name_ko IS NULL OR btrim(name_ko) <> '');
UPDATE uscis_fees SET name_ko = CASE
    WHEN form = 'I-129F' THEN '외국인 약혼자 청원서'
    WHEN form = 'I-130' THEN '외국인 친척 청원서'
    WHEN form = 'I-131' THEN '여행 허가서 신청서'
    WHEN form = 'I-485' THEN '영주권 등록 또는 신분 조정 신청서'
    WHEN form = 'I-751' THEN '조건부 영주권 조건 해제 청원서'
    WHEN form = 'I-765' AND name LIKE '%DACA%' THEN '취업 허가 신청서 (DACA)'
    WHEN form = 'I-765' THEN '취업 허가 신청서'
    WHEN form = 'I-821D' THEN '아동기 입국자 추방 유예(DACA) 심사 신청서'
    WHEN form = 'I-90' THEN '영주권 카드 재발급 신청서'
    WHEN form = 'N-400' THEN '시민권(귀화) 신청서'
    WHEN form = 'N-565' THEN '귀화·시민권 증서 재발급 신청서'
    WHEN form = 'N-600' THEN '시민권 증명서 신청서'
END;
