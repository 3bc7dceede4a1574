#!/bin/sh
echo reboot
