module goweb

go 1.19
