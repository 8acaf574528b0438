INSERT INTO wilayah_boundaries (kode, nama, lat, lng, path) VALUES
('64.02.01.2001','Sumber Sari',-0.5,117.0,'[[[-0.5,117.0],[-0.5,117.1],[-0.6,117.1],[-0.5,117.0]]]'),
