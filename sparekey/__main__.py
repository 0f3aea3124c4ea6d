from sparekey.cli import main

main()
