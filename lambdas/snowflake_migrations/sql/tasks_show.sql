SHOW TASKS IN DATABASE {{ database }}
