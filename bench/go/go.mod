module sluice.bench/go

go 1.19
