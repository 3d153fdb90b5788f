import sys

from deploy_check.run import main

sys.exit(main())
