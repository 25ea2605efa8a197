document.getElementById("app")!.textContent = "dashboard";
